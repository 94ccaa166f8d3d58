package dev.warden.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.config.TenantAuth;
import dev.warden.egress.Egress;
import dev.warden.token.ClaimTypes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * RFC 7662 token introspection, without blocking: one per event loop (its cache is that loop's).
 * A token is only ever sent to the introspection endpoint of the tenant the request names. An
 * answer counts only if {@code active} is the JSON value {@code true}, {@code exp} is present and
 * in the future, and a subject is named; anything else, a timeout, a non-200 answer or a TLS
 * failure refuses (fail closed). Answers are cached by the token's SHA-256 for at most
 * {@code cacheSeconds} and never past the token's {@code exp}; the cache is bounded.
 */
public final class Introspector {
    static final int MAX_ENTRIES = 10_000;
    static final int MAX_BYTES = 64 * 1024;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** An active token: who, until when, and its claims. */
    public record Active(String subject, long expSec, JsonNode claims) {
    }

    private record Cached(Active active, long untilMs) {
    }

    private final HttpClient client;
    private final Egress egress;
    private final LongSupplier clock;
    private final Map<String, Cached> cache = new LinkedHashMap<>(256, 0.75f, true);

    /** {@code egress}: where a tenant's introspection endpoint may be. */
    public Introspector(Vertx vertx, LongSupplier clock, Egress egress) {
        this.egress = egress;
        this.client = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setConnectTimeout(5000).setKeepAlive(true).setIdleTimeout(60))
                .with(new PoolOptions().setHttp1MaxSize(8))
                .build();
        this.clock = clock;
    }

    /** The active token, or a failed future with the reason (for the logs only). */
    public Future<Active> introspect(String tenantId, TenantAuth.IntrospectionPolicy policy, String token) {
        String key = tenantId + ":" + sha256(token);
        long now = clock.getAsLong();
        Cached hit = cache.get(key);
        if (hit != null) {
            if (now < hit.untilMs() && now < hit.active().expSec() * 1000) {
                return Future.succeededFuture(hit.active());
            }
            cache.remove(key);
        }
        String secret = System.getenv(policy.clientSecretEnv());
        if (secret == null || secret.isEmpty()) {
            return Future.failedFuture("introspection_secret_missing");
        }
        return post(policy, token, secret).map(body -> {
            Active active = parse(body, clock.getAsLong(), ClaimTypes.mapped(null, policy.rolesClaim(), null));
            long until = Math.min(clock.getAsLong() + policy.cacheSeconds() * 1000L, active.expSec() * 1000);
            if (policy.cacheSeconds() > 0) {
                if (cache.size() >= MAX_ENTRIES) {
                    cache.remove(cache.keySet().iterator().next()); // least recently used
                }
                cache.put(key, new Cached(active, until));
            }
            return active;
        });
    }

    /** {@code mapped}: the policy's claims and their types (the roles claim), besides those of RFC 7662. */
    static Active parse(Buffer body, long nowMs, Map<String, ClaimTypes.Type> mapped) {
        JsonNode n;
        try {
            n = MAPPER.readTree(body.getBytes());
        } catch (IOException e) {
            throw new IllegalStateException("introspection_unreadable");
        }
        if (n == null || !n.path("active").isBoolean() || !n.path("active").booleanValue()) {
            throw new IllegalStateException("token_inactive"); // false, absent, or "true" as a string
        }
        String mistyped = ClaimTypes.mistyped(n, mapped);
        if (mistyped != null) {
            throw new IllegalStateException("introspection_claim_type:" + mistyped); // never widened: see ClaimTypes
        }
        JsonNode exp = n.path("exp");
        if (!exp.isIntegralNumber() || exp.longValue() * 1000 <= nowMs) {
            throw new IllegalStateException("token_expired");
        }
        String sub = n.has("sub") ? n.get("sub").textValue() : n.has("username") ? n.get("username").textValue() : null;
        if (sub == null || sub.isEmpty() || sub.length() > 256) {
            throw new IllegalStateException("token_subject");
        }
        return new Active(sub, exp.longValue(), n);
    }

    private Future<Buffer> post(TenantAuth.IntrospectionPolicy policy, String token, String secret) {
        String basic = Base64.getEncoder().encodeToString((URLEncoder.encode(policy.clientId(), StandardCharsets.UTF_8) + ":"
                + URLEncoder.encode(secret, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        Buffer form = Buffer.buffer("token=" + URLEncoder.encode(token, StandardCharsets.UTF_8) + "&token_type_hint=access_token");
        RequestOptions opts = IdpCalls.options(policy.url(), policy.timeoutMs()).setMethod(HttpMethod.POST)
                .putHeader("Content-Type", "application/x-www-form-urlencoded").putHeader("Authorization", "Basic " + basic);
        return IdpCalls.call(client, egress, policy.url(), opts, form, MAX_BYTES, "introspection");
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
