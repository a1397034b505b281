package dev.tessera.testmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ChiSquareTest {
    @Test
    void matchesPublishedCriticalValues() {
        // Standard table values: P(X > crit) = 0.001 for df 1, 4, 24, 63; 0.05 for df 10.
        assertEquals(0.001, ChiSquare.survival(10.828, 1), 2e-6);
        assertEquals(0.001, ChiSquare.survival(18.467, 4), 2e-6);
        assertEquals(0.001, ChiSquare.survival(51.179, 24), 2e-6);
        assertEquals(0.001, ChiSquare.survival(103.442, 63), 5e-6);
        assertEquals(0.05, ChiSquare.survival(18.307, 10), 2e-5);
    }
}
