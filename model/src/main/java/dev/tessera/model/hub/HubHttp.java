package dev.tessera.model.hub;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;

/**
 * The HTTP side of the Hub: requests carry the token (to the Hub's own host only), redirects are
 * followed by hand so that a HEAD can stop at the CDN redirect whose headers describe the file,
 * and 5xx/429 answers and broken connections are retried with bounded exponential backoff.
 */
final class HubHttp {
    private static final int MAX_REDIRECTS = 10;
    private static final String USER_AGENT = "tessera/0.1 (java.net.http)";

    private final HubConfig config;
    private final HttpClient client;

    HubHttp(HubConfig config) {
        this.config = config;
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(20))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    HubConfig config() { return config; }

    /** A request builder for {@code uri} with the user agent and, on the Hub's host, the token. */
    HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2))
                .header("User-Agent", USER_AGENT).header("Accept-Encoding", "identity");
        if (config.token() != null && sameOrigin(uri, config.endpoint())) b.header("Authorization", "Bearer " + config.token());
        return b;
    }

    /**
     * Sends one request, following redirects; with {@code stopAtAbsoluteRedirect}, only relative
     * ones (a renamed repository) are followed and an absolute one (the CDN) is returned as is.
     */
    <T> HttpResponse<T> send(HttpRequest first, HttpResponse.BodyHandler<T> handler, boolean stopAtAbsoluteRedirect)
            throws IOException {
        HttpRequest req = first;
        for (int hop = 0; ; hop++) {
            HttpResponse<T> r;
            try {
                r = client.send(req, handler);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException("interrupted while fetching " + req.uri());
            }
            int s = r.statusCode();
            if (s < 300 || s >= 400 || s == 304) return r;
            String loc = r.headers().firstValue("Location").orElse(null);
            if (loc == null) return r;
            URI next = URI.create(loc);
            if (stopAtAbsoluteRedirect && next.isAbsolute()) return r;
            if (hop >= MAX_REDIRECTS) throw new HubException("too many redirects from " + first.uri());
            closeQuietly(r);
            req = copyTo(req, req.uri().resolve(next));
        }
    }

    /** {@link #send} with retries of 5xx/429 answers and I/O errors; other answers are returned. */
    <T> HttpResponse<T> sendWithRetry(HttpRequest req, HttpResponse.BodyHandler<T> handler, boolean stopAtAbsoluteRedirect) {
        IOException lastError = null;
        HttpResponse<T> last = null;
        HubConfig.RetryPolicy policy = config.retry();
        for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
            if (attempt > 1) sleep(last != null && lastError == null ? retryDelay(last, policy, attempt - 1) : policy.delayAfter(attempt - 1));
            try {
                last = send(req, handler, stopAtAbsoluteRedirect);
                lastError = null;
                if (!retryable(last.statusCode())) return last;
                closeQuietly(last);
            } catch (IOException e) {
                lastError = e;
            }
        }
        if (lastError != null)
            throw new HubException("cannot reach " + req.uri() + " after " + policy.maxAttempts() + " attempts: " + describe(lastError), lastError);
        return Objects.requireNonNull(last);
    }

    static boolean retryable(int status) {
        return status >= 500 || status == 429;
    }

    /** The wait before retrying after {@code r}: its Retry-After seconds when given (capped by the policy), else the backoff. */
    static Duration retryDelay(HttpResponse<?> r, HubConfig.RetryPolicy policy, int attempt) {
        String ra = r.headers().firstValue("Retry-After").orElse("").trim();
        if (!ra.matches("\\d{1,6}")) return policy.delayAfter(attempt);
        Duration asked = Duration.ofSeconds(Long.parseLong(ra));
        return asked.compareTo(policy.maxDelay()) > 0 ? policy.maxDelay() : asked;
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted while waiting to retry");
        }
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m.replace('\n', ' '));
    }

    static void closeQuietly(HttpResponse<?> r) {
        if (r.body() instanceof java.io.InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the connection is dropped either way
            }
        }
    }

    private HttpRequest copyTo(HttpRequest req, URI uri) {
        HttpRequest.Builder b = request(uri).method(req.method(), HttpRequest.BodyPublishers.noBody());
        req.headers().map().forEach((k, vs) -> {
            if (k.equalsIgnoreCase("Authorization") || k.equalsIgnoreCase("User-Agent") || k.equalsIgnoreCase("Accept-Encoding")) return;
            for (String v : vs) b.header(k, v);
        });
        return b.build();
    }

    private static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getHost(), b.getHost()) && a.getPort() == b.getPort();
    }

    /** The one-line error for a non-2xx answer about {@code what} (a repository, file or listing). */
    HubException statusError(HttpResponse<?> r, RepoRef ref, String what) {
        int s = r.statusCode();
        String code = r.headers().firstValue("X-Error-Code").orElse("");
        String hubMsg = r.headers().firstValue("X-Error-Message").map(m -> " (" + m + ")").orElse("");
        boolean hasToken = config.token() != null;
        String msg = switch (s) {
            case 401, 403 -> {
                if (code.equals("RepoNotFound"))
                    yield "repository " + ref.repo() + " not found (HTTP " + s + "); if it is private, set HF_TOKEN to a token with access";
                if (code.equals("GatedRepo") || s == 403)
                    yield "access to " + ref.repo() + " is restricted (HTTP " + s + ", gated repository): accept its terms on the Hub and "
                            + (hasToken ? "check that HF_TOKEN grants access to it" : "set HF_TOKEN to a token with access");
                yield "authentication required for " + ref.repo() + " (HTTP 401): "
                        + (hasToken ? "the HF_TOKEN given was refused" : "set HF_TOKEN to a token with access");
            }
            case 404 -> switch (code) {
                case "EntryNotFound" -> "file " + ref.file() + " not found in " + ref.repo() + " at revision " + ref.revision() + " (HTTP 404)";
                case "RevisionNotFound" -> "revision " + ref.revision() + " not found in " + ref.repo() + " (HTTP 404)";
                case "RepoNotFound" -> "repository " + ref.repo() + " not found (HTTP 404)";
                default -> "not found (HTTP 404): " + what + "; check the repository name, the file name and the revision";
            };
            case 416 -> "range not satisfiable (HTTP 416) while downloading " + what;
            default -> {
                if (retryable(s)) yield "the Hub answered HTTP " + s + " for " + what + " after " + config.retry().maxAttempts() + " attempts";
                yield "unexpected HTTP " + s + " for " + what;
            }
        };
        return new HubException(msg + hubMsg);
    }
}
