package dev.tessera.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StopMatcherReferenceTest {
    /** The reference: cut the whole text before the earliest occurrence of any stop sequence. */
    private static String reference(String text, List<String> stops) {
        int cut = text.length();
        for (String s : stops) {
            int i = text.indexOf(s);
            if (i >= 0) cut = Math.min(cut, i);
        }
        return text.substring(0, cut);
    }

    @Test
    void matchesTheWholeTextReferenceUnderRandomSplits() {
        Random rnd = new Random(7);
        String alphabet = "ab\n";
        for (int trial = 0; trial < 3000; trial++) {
            StringBuilder text = new StringBuilder();
            int len = rnd.nextInt(30);
            for (int i = 0; i < len; i++) text.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            List<String> stops = List.of("ab\na".substring(0, 1 + rnd.nextInt(4)), "bb" + (rnd.nextBoolean() ? "\n" : "b"));
            StopMatcher m = new StopMatcher(stops);
            StringBuilder out = new StringBuilder();
            int pos = 0;
            while (pos < text.length() && !m.stopped()) {
                int n = Math.min(text.length() - pos, rnd.nextInt(5));
                out.append(m.push(text.substring(pos, pos + n)));
                pos += n;
            }
            out.append(m.flush());
            String want = reference(text.toString(), stops);
            assertEquals(want, out.toString(), "text " + text + " stops " + stops);
            assertEquals(want.length() < text.length(), m.stopped(), "text " + text + " stops " + stops);
        }
    }

    @Test
    void holdsBackOnlyWhatCouldStartAStopSequence() {
        StopMatcher m = new StopMatcher(List.of("<|end|>"));
        assertEquals("Hello ", m.push("Hello <|"));
        assertEquals("<|x", m.push("x"));
        assertEquals("", m.push("<|en"));
        assertEquals("", m.push("d|> more"));
        assertTrue(m.stopped());
        assertEquals("", m.flush());
        assertEquals("abc", new StopMatcher(List.of()).push("abc"));
    }
}
