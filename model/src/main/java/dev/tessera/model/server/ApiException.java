package dev.tessera.model.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the server refuses, answered with {@code status} and the OpenAI error body
 * {@code {"error":{"message","type","param","code"}}}.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiException(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400 invalid_request_error about {@code param}. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message);
    }

    public int status() { return status; }

    /** The JSON body. */
    public Map<String, Object> body() {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return Map.of("error", e);
    }
}
