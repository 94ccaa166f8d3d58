package dev.warden.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import dev.warden.token.ClaimTypes;
import dev.warden.token.StrictJson;

/**
 * Verifies JWTs of one issuer with Nimbus JOSE + JWT, per RFC 8725: only the configured
 * asymmetric algorithms (never {@code none}, never HMAC), keys only from this issuer's own JWK set
 * (cached, refetched on an unknown {@code kid} at most once per 30 s), {@code typ} checked,
 * {@code iss} exact, {@code aud} among the accepted, {@code exp}/{@code nbf} with bounded skew,
 * {@code sub}, {@code iat} and {@code exp} required, and a maximum lifetime.
 *
 * <p>{@link #verify} may fetch the JWK set over the network: call it from a worker thread.
 */
public final class JwtVerifier {
    /** Why a token was refused (kept for the security log; the client sees one generic answer). */
    public static final class Invalid extends Exception {
        public Invalid(String reason) {
            super(reason, null, false, false);
        }
    }

    private final DefaultJWTProcessor<SecurityContext> processor;
    private final int maxLifetimeSeconds;
    private final Map<String, ClaimTypes.Type> mapped;

    private JwtVerifier(DefaultJWTProcessor<SecurityContext> processor, int maxLifetimeSeconds, Map<String, ClaimTypes.Type> mapped) {
        this.processor = processor;
        this.maxLifetimeSeconds = maxLifetimeSeconds;
        this.mapped = mapped;
    }

    /**
     * @param requiredTyp the {@code typ} header tokens must carry; null accepts {@code JWT} or none
     * @param rolesClaim  the claim roles are read from (an array of strings: {@link ClaimTypes})
     */
    public static JwtVerifier create(String issuer, List<String> audiences, JWKSource<SecurityContext> keys, List<String> algorithms,
                                     int clockSkewSeconds, int maxLifetimeSeconds, String requiredTyp, String rolesClaim) {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSTypeVerifier(requiredTyp == null
                ? new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, null)
                : new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType(requiredTyp)));
        Set<JWSAlgorithm> algs = algorithms.stream().map(JWSAlgorithm::parse).collect(Collectors.toSet());
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(algs, keys));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(new HashSet<>(audiences),
                new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("sub", "exp", "iat"), null);
        claims.setMaxClockSkew(clockSkewSeconds);
        p.setJWTClaimsSetVerifier(claims);
        return new JwtVerifier(p, maxLifetimeSeconds, ClaimTypes.mapped("sub", rolesClaim, null));
    }

    /** Keys fetched from a URL: cached 5 min, refreshed on an unknown kid at most every 30 s, 5 s timeouts. */
    public static JWKSource<SecurityContext> remoteKeys(String url) {
        try {
            return JWKSourceBuilder.create(URI.create(url).toURL())
                    .cache(5 * 60_000L, 5_000L)
                    .rateLimited(30_000L)
                    .retrying(false)
                    .build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("bad JWKS URL", e);
        }
    }

    /** Keys from a local JWK set file (public keys only are kept). */
    public static JWKSource<SecurityContext> fileKeys(Path file) throws IOException {
        try {
            return new ImmutableJWKSet<>(JWKSet.parse(Files.readString(file)).toPublicJWKSet());
        } catch (ParseException e) {
            throw new IOException(file + ": not a JWK set", e);
        }
    }

    /** The verified claims; {@link Invalid} with the reason otherwise. */
    public JWTClaimsSet verify(String token) throws Invalid {
        JsonNode strict = StrictJson.claimsOf(token);
        if (strict == null) {
            throw new Invalid("malformed");
        }
        String mistyped = ClaimTypes.mistyped(strict, mapped);
        if (mistyped != null) {
            throw new Invalid("claim type: " + mistyped);
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new Invalid("malformed");
        } catch (BadJOSEException e) {
            throw new Invalid("rejected: " + e.getMessage());
        } catch (JOSEException e) {
            throw new Invalid("keys unavailable: " + e.getMessage());
        }
        Date iat = claims.getIssueTime();
        Date exp = claims.getExpirationTime();
        if (exp.getTime() - iat.getTime() > maxLifetimeSeconds * 1000L) {
            throw new Invalid("lifetime over " + maxLifetimeSeconds + " s");
        }
        return claims;
    }
}
