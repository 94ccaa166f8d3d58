package dev.warden.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.warden.crypto.Ed25519Jws;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Warden's service tokens for upstreams: short-lived JWTs (EdDSA, {@code typ}
 * {@value #TYP}) saying which tenant, subject, role and region a forwarded request is for, with
 * {@code aud} = the pool. The signing key rotates every {@value #ROTATE_HOURS} hours; the previous
 * key stays published until every token it signed has expired, so upstreams never see an unknown
 * {@code kid}. Signing costs ~0.6 ms (JDK Ed25519), so a token is minted off the event loops and
 * reused for up to {@value #REUSE_SECONDS} s of its {@value #LIFETIME_SECONDS} s life for the same
 * (tenant, subject, role, region, pool); the request itself is named by {@code X-Request-ID}.
 */
public final class ServiceTokens {
    public static final String TYP = "warden-service+jwt";
    static final long LIFETIME_SECONDS = 300;
    static final long REUSE_SECONDS = 60;
    static final long ROTATE_HOURS = 24;

    private record SigningKey(String kid, KeyPair pair, long createdAtMs) {
    }

    private record Minted(String token, long mintedAtMs) {
    }

    private final String issuer;
    private volatile List<SigningKey> keys;
    private final ConcurrentHashMap<String, Minted> cache = new ConcurrentHashMap<>();

    public ServiceTokens(String issuer) {
        this.issuer = issuer;
        this.keys = List.of(newKey(System.currentTimeMillis()));
    }

    /** A token still fit to reuse for this principal and pool, or null. */
    public String cached(String cacheKey, long nowMs) {
        Minted m = cache.get(cacheKey);
        return m != null && nowMs - m.mintedAtMs() < REUSE_SECONDS * 1000 ? m.token() : null;
    }

    public static String cacheKey(String tenant, String subject, String role, String region, String pool) {
        return tenant + '\n' + subject + '\n' + role + '\n' + region + '\n' + pool;
    }

    /** Signs a new token (CPU-heavy: call it from a worker thread) and remembers it for reuse. */
    public String mint(String tenant, String subject, String role, String region, String pool, long nowMs) {
        String token = sign(claims(tenant, subject, List.of(role), region, pool, nowMs, nowMs + LIFETIME_SECONDS * 1000), nowMs);
        cache.put(cacheKey(tenant, subject, role, region, pool), new Minted(token, nowMs));
        if (cache.size() > 100_000) {
            cache.clear(); // bounded; tokens are re-minted on demand
        }
        return token;
    }

    /**
     * The token for a principal and pool: the cached one while fresh, or a new one signed on a
     * worker thread (never on the event loop).
     */
    public Future<String> forPrincipal(Vertx vertx, String tenant, String subject, String role,
                                                     String region, String pool) {
        long now = System.currentTimeMillis();
        String fresh = cached(cacheKey(tenant, subject, role, region, pool), now);
        return fresh != null ? Future.succeededFuture(fresh)
                : vertx.executeBlocking(() -> mint(tenant, subject, role, region, pool, now), false);
    }

    /**
     * A token for one request only ({@code request_id} names it; pools with
     * {@code serviceTokens: per-request}). CPU-heavy: call it from a worker thread. Not cached.
     */
    public String mintForRequest(String tenant, String subject, String role, String region, String pool, String requestId,
                                 long nowMs) {
        return sign(claims(tenant, subject, List.of(role), region, pool, nowMs, nowMs + LIFETIME_SECONDS * 1000)
                .claim("request_id", requestId), nowMs);
    }

    /**
     * A long-running job's credential: like a request's service token, plus the {@code job} claim,
     * {@code iat} on a whole second and {@code exp} exactly {@code lifetimeSeconds} later (so a
     * worker renewing at the period it is told always holds a valid one). CPU-heavy: call it from a
     * worker thread. Not cached: every renewal gets a fresh {@code jti}.
     */
    public String mintForJob(String tenant, String subject, String role, String region, String pool, String jobId,
                             int lifetimeSeconds, long nowMs) {
        long iat = nowMs / 1000 * 1000;
        return sign(claims(tenant, subject, List.of(role), region, pool, iat, iat + lifetimeSeconds * 1000L).claim("job", jobId), nowMs);
    }

    /**
     * A narrower token for the next hop (token exchange): the subject token's tenant, subject and
     * region, the given roles and audience, {@code act} naming the exchanging client (and any
     * earlier actor inside it), and an expiry no later than the subject token's. CPU-heavy: call
     * it from a worker thread. Not cached.
     */
    public String mintExchanged(JWTClaimsSet subject, String audience, List<String> roles, Map<String, Object> act,
                                long nowMs) throws ParseException {
        long exp = Math.min(subject.getExpirationTime().getTime(), nowMs + LIFETIME_SECONDS * 1000);
        return sign(claims(subject.getStringClaim("tenant"), subject.getSubject(), roles, subject.getStringClaim("region"), audience,
                nowMs, exp).claim("act", act), nowMs);
    }

    /** The claims every Warden token carries: who (tenant, subject, roles), where (region), for whom (aud), when. */
    private JWTClaimsSet.Builder claims(String tenant, String subject, List<String> roles, String region, String audience,
                                        long iatMs, long expMs) {
        return new JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject(subject)
                .claim("tenant", tenant).claim("roles", roles).claim("region", region)
                .jwtID(UUID.randomUUID().toString()).issueTime(new Date(iatMs)).expirationTime(new Date(expMs));
    }

    /** Signs with the current key (rotating first when due). */
    private String sign(JWTClaimsSet.Builder claims, long nowMs) {
        rotateIfDue(nowMs);
        SigningKey key = keys.get(0);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(key.kid()).type(new JOSEObjectType(TYP)).build(),
                claims.build());
        try {
            jwt.sign(Ed25519Jws.signer(key.pair().getPrivate()));
        } catch (JOSEException e) {
            throw new IllegalStateException("service token signing failed", e);
        }
        return jwt.serialize();
    }

    /** The issuer ({@code iss}) of Warden's tokens. */
    public String issuer() {
        return issuer;
    }

    /** The public keys upstreams verify with (current and, during the overlap, previous). */
    public JWKSet publicKeys() {
        List<JWK> out = new ArrayList<>();
        for (SigningKey k : keys) {
            byte[] spki = k.pair().getPublic().getEncoded();
            byte[] raw = Arrays.copyOfRange(spki, spki.length - 32, spki.length); // X.509 prefix, then the 32-byte key
            out.add(new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(raw)).keyID(k.kid()).keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.EdDSA).build());
        }
        return new JWKSet(out);
    }

    /** Starts a new key when the current one is old; drops the previous one once its tokens expired. */
    synchronized void rotateIfDue(long nowMs) {
        List<SigningKey> now = new ArrayList<>(keys);
        if (nowMs - now.get(0).createdAtMs() >= ROTATE_HOURS * 3_600_000L) {
            now.add(0, newKey(nowMs));
            cache.clear();
        }
        // the previous key stays until every token it may have signed has expired: its last token
        // was signed before the current key was created, and lives LIFETIME_SECONDS from then
        while (now.size() > 1 && nowMs - now.get(0).createdAtMs() > LIFETIME_SECONDS * 1000) {
            now.remove(now.size() - 1);
        }
        keys = List.copyOf(now);
    }

    /** Forces a rotation now (operators, tests): the old key stays published for its tokens' lifetime. */
    public synchronized void rotateNow(long nowMs) {
        List<SigningKey> now = new ArrayList<>(keys);
        now.add(0, newKey(nowMs));
        keys = List.copyOf(now.subList(0, Math.min(2, now.size())));
        cache.clear();
    }

    private static SigningKey newKey(long nowMs) {
        try {
            return new SigningKey("svc-" + Long.toString(nowMs, 36) + "-" + UUID.randomUUID().toString().substring(0, 8),
                    KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), nowMs);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
