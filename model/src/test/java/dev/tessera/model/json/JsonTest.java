package dev.tessera.model.json;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesEveryValueKind() {
        Map<String, Object> m = Json.parseObject(" {\"a\": [1, -2.5e1, true, false, null, \"x\\u00e9\\n\"], \"b\": {}} ");
        assertEquals(List.of(1L, -25.0, true, false), ((List<?>) m.get("a")).subList(0, 4));
        assertNull(((List<?>) m.get("a")).get(4));
        assertEquals("x\u00e9\n", ((List<?>) m.get("a")).get(5));
        assertEquals(Map.of(), m.get("b"));
    }

    @Test
    void roundTrips() {
        String text = "{\"k\":[1,2.5,\"q\\\"uote\",null,{\"z\":false}]}";
        assertEquals(text, Json.write(Json.parse(text)));
    }

    @Test
    void rejectsMalformedInput() {
        for (String bad : new String[] {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "tru", "[1] 2", "\"a\nb\""}) {
            assertThrows(JsonException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void boundsNesting() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        assertThrows(JsonException.class, () -> Json.parse(deep));
    }

    @Test
    void bigIntegersBecomeDoubles() {
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(1e19, (Double) Json.parse("10000000000000000000"), 1e4);
    }
}
