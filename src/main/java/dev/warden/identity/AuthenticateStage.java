package dev.warden.identity;

import dev.warden.config.ApiKeyRecord;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.crypto.ClientCertificates;
import dev.warden.crypto.KeyHasher;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The Authenticate stage: finds the one credential the request presents and hands it to the
 * authenticator for its kind, each of which checks it against the tenant's own rules and sets the
 * verified tenant and principal:
 * <ul>
 *   <li>a JWT of the tenant's identity provider in {@code Authorization: Bearer}
 *       ({@link TokenAuthenticator}, when the tenant accepts them);</li>
 *   <li>no credential at all, but a client certificate on the connection ({@link CertificateAuthenticator});</li>
 *   <li>an opaque token the tenant introspects ({@link OpaqueTokenAuthenticator}), unless it is
 *       a key issued elsewhere and imported into the config;</li>
 *   <li>anything else: an API key, in {@code Authorization: Bearer} or {@code X-API-Key}
 *       ({@link ApiKeyAuthenticator}), which also answers every missing or malformed credential.</li>
 * </ul>
 */
public final class AuthenticateStage implements Stage {
    static final String API_KEY_HEADER = "X-API-Key";

    private final ApiKeyAuthenticator keys;
    private final TokenAuthenticator tokens;
    private final OpaqueTokenAuthenticator opaque;
    private final CertificateAuthenticator certificate = new CertificateAuthenticator();
    private final ClientCertificates certificates = new ClientCertificates();

    /** API keys (and client certificates) only. */
    public AuthenticateStage(KeyHasher hasher) {
        this(hasher, null, null, null);
    }

    /**
     * @param usage records each key's last use (may be null: not recorded)
     * @param keys  this event loop's cache of tenants' token-signing keys (null: tokens are not accepted)
     * @param introspector this event loop's RFC 7662 client (null: opaque tokens are not accepted)
     */
    public AuthenticateStage(KeyHasher hasher, KeyUsage usage, JwksCache keys, Introspector introspector) {
        this.keys = new ApiKeyAuthenticator(hasher, usage);
        this.tokens = keys == null ? null : new TokenAuthenticator(keys);
        this.opaque = introspector == null ? null : new OpaqueTokenAuthenticator(introspector);
    }

    @Override
    public String name() {
        return "authenticate";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        MultiMap headers = exchange.request().headers();
        String key = presentedKey(headers);
        if (tokens != null && key != null && TokenAuthenticator.looksLikeJwt(key) && headers.get(API_KEY_HEADER) == null) {
            // a token of the tenant's own identity provider (bound to the client certificate, if it says so)
            return tokens.authenticate(exchange, key, certificates.chain(exchange.request().http()));
        }
        if (key == null && !headers.contains("Authorization") && !headers.contains(API_KEY_HEADER)) {
            List<X509Certificate> chain = certificates.chain(exchange.request().http());
            if (!chain.isEmpty()) {
                return certificate.authenticate(exchange, chain); // mTLS: the client certificate is the credential
            }
        }
        String keyId = key == null ? null : ApiKeyFormat.keyId(key);
        boolean foreign = key != null && keyId == null && !key.startsWith(ApiKeyFormat.PREFIX);
        // a key issued elsewhere and imported: no id to look it up by, so by its keyed hash
        ApiKeyRecord imported = foreign ? keys.imported(exchange.require(RequestContext.SNAPSHOT), key) : null;
        if (imported == null && foreign && opaque != null) {
            // (a mistyped Warden key is never sent to a tenant's introspection endpoint)
            Future<Outcome> introspected = opaque.authenticate(exchange, key);
            if (introspected != null) {
                return introspected;
            }
        }
        boolean presented = headers.contains("Authorization") || headers.contains(API_KEY_HEADER);
        return keys.authenticate(exchange, key, keyId, imported, presented);
    }

    /**
     * The one key the request presents, or null if there is none or it is ambiguous (two
     * Authorization headers, a non-Bearer scheme, or two different keys in the two headers).
     */
    static String presentedKey(MultiMap headers) {
        List<String> auth = headers.getAll("Authorization");
        List<String> apiKey = headers.getAll(API_KEY_HEADER);
        if (auth.size() > 1 || apiKey.size() > 1) {
            return null;
        }
        String fromAuth = null;
        if (auth.size() == 1) {
            String v = auth.get(0);
            if (v.length() < 8 || !v.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return null;
            }
            fromAuth = v.substring(7).strip();
            if (fromAuth.isEmpty()) {
                return null;
            }
        }
        String fromHeader = apiKey.size() == 1 ? apiKey.get(0).strip() : null;
        if (fromAuth != null && fromHeader != null && !fromAuth.equals(fromHeader)) {
            return null;
        }
        return fromAuth != null ? fromAuth : fromHeader;
    }
}
