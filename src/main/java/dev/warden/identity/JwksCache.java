package dev.warden.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWKSet;
import dev.warden.config.TenantAuth;
import dev.warden.egress.Egress;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.io.IOException;
import java.text.ParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tenants' token-signing keys, fetched without blocking (Vert.x HTTP client) and cached: one per
 * event loop, so its own state is only ever touched by that loop's thread ({@link Shared} holds
 * what the loops share). A key set is refetched
 * when it is older than {@value #MAX_AGE_MS} ms (the old one keeps serving if the fetch fails),
 * and on an unknown {@code kid} at most once per {@value #COOL_DOWN_MS} ms per source for the whole
 * process (a flood of made-up kids cannot make Warden hammer an identity provider). With discovery, {@code jwks_uri}
 * comes from the issuer's OpenID configuration, whose {@code issuer} must be the configured one.
 * Answers are capped at {@value #MAX_BYTES} bytes; only public keys are kept.
 */
public final class JwksCache {
    static final long MAX_AGE_MS = 5 * 60_000;
    static final long COOL_DOWN_MS = 30_000;
    static final int MAX_BYTES = 256 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(JwksCache.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient client;
    private final LongSupplier clock;
    private final Map<String, Source> sources = new HashMap<>();
    private final Shared shared;
    private final Egress egress;

    /**
     * What every event loop's cache shares, per key source: the newest key set any loop fetched
     * (so a loop adopts another's refresh instead of fetching again), and the unknown-kid
     * cool-down, so a flood of made-up kids causes at most one fetch per source and cool-down for
     * the whole process (ATTACKS B15). Futures stay per loop: a loop never waits on another's.
     */
    public static final class Shared {
        private final ConcurrentHashMap<String, SharedSource> bySource = new ConcurrentHashMap<>();

        SharedSource of(String source) {
            return bySource.computeIfAbsent(source, k -> new SharedSource());
        }
    }

    static final class SharedSource {
        volatile JWKSet keys;
        volatile long fetchedAtMs;
        final AtomicLong lastUnknownKidMs = new AtomicLong(Long.MIN_VALUE / 2);
    }

    /** What is known of one key source. */
    private static final class Source {
        JWKSet keys;
        long fetchedAtMs;
        long lastAttemptMs;
        Future<JWKSet> inFlight;
    }

    /** {@code egress}: where a tenant's key set and discovery document may be. */
    public JwksCache(Vertx vertx, LongSupplier clock, Shared shared, Egress egress) {
        this.shared = shared;
        this.egress = egress;
        this.client = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setConnectTimeout(5000).setKeepAlive(true).setIdleTimeout(60))
                .with(new PoolOptions().setHttp1MaxSize(4))
                .build();
        this.clock = clock;
    }

    /** The policy's keys: cached, or fetched now if there are none yet or they are stale. */
    public Future<JWKSet> keys(TenantAuth.JwtPolicy policy) {
        if (policy.inlineJwks() != null) {
            return inline(policy);
        }
        Source s = sources.computeIfAbsent(policy.keySource(), k -> new Source());
        adopt(policy, s);
        long now = clock.getAsLong();
        if (s.keys != null && now - s.fetchedAtMs < MAX_AGE_MS) {
            return Future.succeededFuture(s.keys);
        }
        return fetch(policy, s, now);
    }

    /** Takes another loop's newer fetch of this source, if there is one. */
    private void adopt(TenantAuth.JwtPolicy policy, Source s) {
        SharedSource g = shared.of(policy.keySource());
        JWKSet keys = g.keys;
        long at = g.fetchedAtMs;
        if (keys != null && at > s.fetchedAtMs) {
            s.keys = keys;
            s.fetchedAtMs = at;
        }
    }

    /**
     * The token's {@code kid} is not in the cached set: the provider may have rotated. Refetch,
     * unless this source was fetched less than {@value #COOL_DOWN_MS} ms ago.
     */
    public Future<JWKSet> refreshForUnknownKid(TenantAuth.JwtPolicy policy) {
        if (policy.inlineJwks() != null) {
            return inline(policy);
        }
        Source s = sources.computeIfAbsent(policy.keySource(), k -> new Source());
        long before = s.fetchedAtMs;
        adopt(policy, s);
        if (s.fetchedAtMs > before) {
            return Future.succeededFuture(s.keys); // another loop refreshed: try its keys first
        }
        long now = clock.getAsLong();
        if (s.inFlight != null) {
            return s.inFlight;
        }
        // The cool-down runs from the last refetch an unknown kid caused (by any loop), not from the
        // regular fetch: a provider that rotates just after our fetch is followed at once, a flood
        // of made-up kids causes at most one fetch per cool-down for the whole process.
        AtomicLong last = shared.of(policy.keySource()).lastUnknownKidMs;
        long prev = last.get();
        if (now - prev < COOL_DOWN_MS || !last.compareAndSet(prev, now)) {
            return s.keys != null ? Future.succeededFuture(s.keys) : Future.failedFuture("keys unavailable (cool-down)");
        }
        return fetch(policy, s, now);
    }

    private Future<JWKSet> inline(TenantAuth.JwtPolicy policy) {
        Source s = sources.computeIfAbsent(policy.keySource(), k -> new Source());
        if (s.keys == null) {
            try {
                s.keys = JWKSet.parse(policy.inlineJwks()).toPublicJWKSet();
            } catch (ParseException e) {
                return Future.failedFuture("inline keys unreadable");
            }
        }
        return Future.succeededFuture(s.keys);
    }

    private Future<JWKSet> fetch(TenantAuth.JwtPolicy policy, Source s, long now) {
        if (s.inFlight != null) {
            return s.inFlight; // one fetch per source at a time
        }
        s.lastAttemptMs = now;
        Future<String> url = policy.discovery() ? discover(policy.issuer()) : Future.succeededFuture(policy.jwksUrl());
        Future<JWKSet> f = url.compose(this::get).map(body -> {
            try {
                return JWKSet.parse(body.toString()).toPublicJWKSet();
            } catch (ParseException e) {
                throw new IllegalStateException("not a JWK set");
            }
        });
        s.inFlight = f;
        return f.transform(ar -> {
            s.inFlight = null;
            if (ar.succeeded()) {
                s.keys = ar.result();
                s.fetchedAtMs = clock.getAsLong();
                SharedSource g = shared.of(policy.keySource());
                synchronized (g) {
                    if (s.fetchedAtMs > g.fetchedAtMs) {
                        g.keys = s.keys;
                        g.fetchedAtMs = s.fetchedAtMs;
                    }
                }
                return Future.succeededFuture(s.keys);
            }
            LOG.warn("keys of issuer {} could not be fetched: {}", policy.issuer(), ar.cause().getMessage());
            return s.keys != null ? Future.succeededFuture(s.keys) : Future.failedFuture(ar.cause());
        });
    }

    private Future<String> discover(String issuer) {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        return get(base + "/.well-known/openid-configuration").map(body -> {
            JsonNode doc;
            try {
                doc = MAPPER.readTree(body.getBytes());
            } catch (IOException e) {
                throw new IllegalStateException("discovery document unreadable");
            }
            // RFC 8414 section 3.3: the document must name the issuer it was fetched for; both as strings, never coerced
            if (doc == null || !doc.path("issuer").isTextual() || !doc.path("jwks_uri").isTextual()) {
                throw new IllegalStateException("discovery document mistyped");
            }
            if (!issuer.equals(doc.path("issuer").textValue())) {
                throw new IllegalStateException("discovery document names another issuer");
            }
            return doc.path("jwks_uri").textValue(); // fetched through the egress check like any IdP URL
        });
    }

    /** GET with a 5 s timeout, 200 only, at most {@value #MAX_BYTES} bytes. */
    private Future<Buffer> get(String url) {
        return IdpCalls.call(client, egress, url, IdpCalls.options(url, 5000).setMethod(HttpMethod.GET), null, MAX_BYTES, "jwks");
    }
}
