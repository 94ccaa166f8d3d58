package dev.warden.token;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.warden.config.ExchangeClient;
import dev.warden.config.Snapshot;
import dev.warden.config.SnapshotHolder;
import dev.warden.config.Tenant;
import dev.warden.config.TenantStatus;
import dev.warden.crypto.ClientCertificates;
import dev.warden.crypto.KeyHasher;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.problem.ProblemJson;
import dev.warden.record.AuditEvent;
import dev.warden.record.AuditWriter;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * RFC 8693 token exchange at {@code POST /oauth2/token} on the data listener: a platform service
 * (an {@code exchange.clients} entry, authenticated with its own secret by HTTP Basic or with its
 * client certificate (RFC 8705) — never with a token) trades a Warden service token addressed to it for a narrower one addressed to its next
 * hop. The tenant, subject and region never change; roles only shrink ({@code scope}); the new
 * token expires no later than the one it came from; {@code act} records the chain of actors.
 * Every answer is audited; errors are problem+json with the RFC 6749 {@code error} member too.
 */
public final class TokenExchange implements Handler<HttpServerRequest> {
    static final String GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";
    private static final int MAX_BODY = 16 * 1024;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Vertx vertx;
    private final SnapshotHolder snapshots;
    private final KeyHasher hasher;
    private final ServiceTokens tokens;
    private final AuditWriter audit;
    private final byte[] dummyHash;

    public TokenExchange(Vertx vertx, SnapshotHolder snapshots, KeyHasher hasher, ServiceTokens tokens, AuditWriter audit) {
        this.vertx = vertx;
        this.snapshots = snapshots;
        this.hasher = hasher;
        this.tokens = tokens;
        this.audit = audit;
        this.dummyHash = hasher.hash("no-such-client-" + System.nanoTime());
    }

    @Override
    public void handle(HttpServerRequest req) {
        if (req.method() != HttpMethod.POST) {
            req.response().putHeader("Allow", "POST");
            refuse(req, null, null, GatewayError.of(ErrorCode.METHOD_NOT_ALLOWED, "Use POST."));
            return;
        }
        String type = req.getHeader("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            refuse(req, null, null, GatewayError.of(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The body must be application/x-www-form-urlencoded."));
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] over = {false};
        req.handler(chunk -> {
            if (body.length() + chunk.length() > MAX_BODY) {
                over[0] = true;
            } else if (!over[0]) {
                body.appendBuffer(chunk);
            }
        });
        req.endHandler(v -> {
            if (over[0]) {
                refuse(req, null, null, GatewayError.of(ErrorCode.BODY_TOO_LARGE, "The body is too large."));
            } else {
                exchange(req, form(body.toString(StandardCharsets.UTF_8)));
            }
        });
    }

    private void exchange(HttpServerRequest req, Map<String, String> form) {
        Snapshot snapshot = snapshots.current();
        String authorization = req.getHeader("Authorization");
        ExchangeClient client = authorization != null ? authenticate(authorization, snapshot)
                : authenticateByCertificate(req, form.get("client_id"), snapshot);
        if (client == null) {
            req.response().putHeader("WWW-Authenticate", "Basic realm=\"warden-token\"");
            refuse(req, null, null, GatewayError.of(ErrorCode.INVALID_CLIENT, "Client authentication failed.", "invalid_client"));
            return;
        }
        if (!GRANT.equals(form.get("grant_type"))) {
            refuse(req, client, null, GatewayError.of(ErrorCode.UNSUPPORTED_GRANT_TYPE, "Only token exchange is supported here."));
            return;
        }
        String subjectToken = form.get("subject_token");
        if (subjectToken == null || !JWT_TYPE.equals(form.get("subject_token_type"))) {
            refuse(req, client, null, GatewayError.of(ErrorCode.INVALID_REQUEST, "subject_token and subject_token_type (jwt) are required."));
            return;
        }
        JWTClaimsSet subject = ServiceTokenVerifier.verify(subjectToken, tokens.publicKeys(), tokens.issuer());
        if (subject == null || !client.from().contains(subject.getAudience().get(0))) {
            refuse(req, client, null, GatewayError.of(ErrorCode.INVALID_GRANT, "The subject token is not valid for this client.", "subject_token"));
            return;
        }
        String tenantId;
        List<String> held;
        try {
            tenantId = subject.getStringClaim("tenant");
            held = subject.getStringListClaim("roles");
        } catch (ParseException e) {
            refuse(req, client, null, GatewayError.of(ErrorCode.INVALID_GRANT, "The subject token is not valid for this client.", "claims"));
            return;
        }
        Tenant tenant = tenantId == null ? null : snapshot.tenant(tenantId);
        if (tenant == null || tenant.status() != TenantStatus.ACTIVE || held == null) {
            refuse(req, client, tenantId, GatewayError.of(ErrorCode.INVALID_GRANT, "The subject token is not valid for this client.", "tenant"));
            return;
        }
        String audience = form.get("audience");
        if (audience == null || !client.to().contains(audience) || !snapshot.config().pools().containsKey(audience)) {
            refuse(req, client, tenantId, GatewayError.of(ErrorCode.INVALID_TARGET, "This client may not ask for that audience."));
            return;
        }
        List<String> roles = held;
        String scope = form.get("scope");
        if (scope != null && !scope.isBlank()) {
            roles = List.of(scope.strip().split("\\s+"));
            if (!held.containsAll(roles)) {
                refuse(req, client, tenantId, GatewayError.of(ErrorCode.INVALID_SCOPE, "A scope may only narrow the subject token's roles."));
                return;
            }
        }
        Map<String, Object> act = new LinkedHashMap<>();
        act.put("sub", "client:" + client.id());
        Object previous = subject.getClaim("act");
        if (previous != null) {
            act.put("act", previous);
        }
        List<String> granted = roles;
        vertx.executeBlocking(() -> tokens.mintExchanged(subject, audience, granted, act, System.currentTimeMillis()), false)
                .onComplete(ar -> {
                    if (ar.failed()) {
                        refuse(req, client, tenantId, GatewayError.of(ErrorCode.INTERNAL_ERROR, "The token could not be issued."));
                        return;
                    }
                    record(req, client, tenantId, "allow", "ok", "{\"audience\":" + MAPPER.getNodeFactory().textNode(audience) + "}");
                    ObjectNode out = MAPPER.createObjectNode().put("access_token", ar.result()).put("issued_token_type", JWT_TYPE)
                            .put("token_type", "Bearer").put("expires_in",
                                    Math.max(0, (subject.getExpirationTime().getTime() - System.currentTimeMillis()) / 1000))
                            .put("scope", String.join(" ", granted));
                    out.put("expires_in", Math.min(out.get("expires_in").asLong(), ServiceTokens.LIFETIME_SECONDS));
                    req.response().setStatusCode(200).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
                            .end(out.toString());
                });
    }

    /** HTTP Basic client authentication (RFC 6749 2.3.1), one keyed hash and one comparison whatever fails. */
    private ExchangeClient authenticate(String header, Snapshot snapshot) {
        String id = null;
        String secret = null;
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon > 0) {
                    id = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
                    secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
                }
            } catch (IllegalArgumentException e) {
                id = null;
            }
        }
        ExchangeClient client = id == null ? null : snapshot.config().exchangeClients().get(id);
        boolean hasSecret = client != null && !client.secretHash().isEmpty();
        byte[] expected = hasSecret ? KeyHasher.parseHashText(client.secretHash()) : dummyHash;
        boolean ok = hasher.matches(secret == null ? "-" : secret, expected);
        return hasSecret && ok ? client : null;
    }

    /**
     * RFC 8705 {@code tls_client_auth}: no {@code Authorization} header, {@code client_id} in the
     * form, and a client certificate on the connection that chains to that client's CAs (PKIX,
     * client-auth usage) and names exactly its configured subject. A tenant's certificate, or
     * another client's, proves nothing here.
     */
    private static ExchangeClient authenticateByCertificate(HttpServerRequest req, String clientId, Snapshot snapshot) {
        ExchangeClient client = clientId == null ? null : snapshot.config().exchangeClients().get(clientId);
        if (client == null || client.certificate() == null) {
            return null;
        }
        String subject = ClientCertificates.subject(
                ClientCertificates.peerChain(req.connection()), client.certificate().anchors(),
                client.certificate().identityFrom());
        return subject != null && subject.equals(client.certificateSubject()) ? client : null;
    }

    private static Map<String, String> form(String body) {
        Map<String, String> out = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String k = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (out.putIfAbsent(k, v) != null) {
                out.put(k, null); // a repeated parameter is no parameter (RFC 6749 3.1)
            }
        }
        return out;
    }

    private void refuse(HttpServerRequest req, ExchangeClient client, String tenant, GatewayError error) {
        record(req, client, tenant, "deny", error.code().code() + (error.reason().equals(error.code().code()) ? "" : ":" + error.reason()), null);
        ProblemJson.send(req.response(), error, "error", error.code().code());
    }

    private void record(HttpServerRequest req, ExchangeClient client, String tenant, String decision, String reason, String detail) {
        if (audit != null) {
            audit.record(new AuditEvent(System.currentTimeMillis(), tenant, client == null ? null : "client:" + client.id(),
                    "token.exchange", decision, reason, null,
                    req.remoteAddress() == null ? null : req.remoteAddress().hostAddress(), detail));
        }
    }
}
