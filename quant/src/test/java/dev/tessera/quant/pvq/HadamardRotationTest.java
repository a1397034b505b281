package dev.tessera.quant.pvq;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HadamardRotationTest {
    /** Dense R built entry by entry from the definition R_ij = (−1)^popcount(i&j)·σ_j/√b within blocks. */
    private static double[][] dense(HadamardRotation rot) {
        int n = rot.length(), b = rot.block();
        double[][] m = new double[n][n];
        float[] e = new float[n], col = new float[n];
        for (int j = 0; j < n; j++) {
            e[j] = 1;
            rot.apply(e, 0, col);
            e[j] = 0;
            for (int i = 0; i < n; i++) m[i][j] = col[i];
        }
        // Check the structure against the definition (the sign of each column is σ_j).
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i / b != j / b) assertEquals(0, m[i][j], 0);
                else assertEquals(1 / Math.sqrt(b), Math.abs(m[i][j]), 1e-6);
            }
        }
        return m;
    }

    @Test
    void orthogonalAndInverse() {
        HadamardRotation rot = new HadamardRotation(48, 11); // block 16, three blocks
        assertEquals(16, rot.block());
        double[][] r = dense(rot);
        for (int i = 0; i < 48; i++) {
            for (int k = 0; k < 48; k++) {
                double s = 0;
                for (int j = 0; j < 48; j++) s += r[i][j] * r[k][j];
                assertEquals(i == k ? 1 : 0, s, 1e-6);
            }
        }
        SplittableRandom g = new SplittableRandom(2);
        float[] x = new float[48], y = new float[48], z = new float[48];
        for (int i = 0; i < 48; i++) x[i] = (float) g.nextGaussian();
        rot.apply(x, 0, y);
        rot.applyTranspose(y, 0, z);
        for (int i = 0; i < 48; i++) assertEquals(x[i], z[i], 1e-5);
    }

    @Test
    void rotatedDiagonalBlocksMatchDenseProduct() {
        HadamardRotation rot = new HadamardRotation(32, 5);
        double[][] r = dense(rot);
        SplittableRandom g = new SplittableRandom(4);
        double[] h = new double[32];
        for (int i = 0; i < 32; i++) h[i] = 0.1 + g.nextDouble() * 3;
        double[][] blocks = rot.rotatedDiagonalBlocks(h, 8);
        for (int blk = 0; blk < 4; blk++) {
            for (int i = 0; i < 8; i++) {
                for (int k = 0; k < 8; k++) {
                    double s = 0;
                    for (int j = 0; j < 32; j++) s += r[blk * 8 + i][j] * h[j] * r[blk * 8 + k][j];
                    assertEquals(s, blocks[blk][i * 8 + k], 1e-5);
                }
            }
        }
    }
}
