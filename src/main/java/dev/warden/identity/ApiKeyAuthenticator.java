package dev.warden.identity;

import dev.warden.config.ApiKeyRecord;
import dev.warden.config.Snapshot;
import dev.warden.config.Tenant;
import dev.warden.config.TenantStatus;
import dev.warden.crypto.KeyHasher;
import dev.warden.exchange.AuthContext;
import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.TenantClaim;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;

/**
 * Authenticates an API key, and answers every request whose credential is missing, malformed or
 * unknown. A tenant may turn API keys off ({@code auth.schemes}). A key issued elsewhere and
 * imported into the config ({@code imported: true}) has no Warden key id; it is found by its keyed
 * hash.
 *
 * <p>Every failure (no key, malformed key, unknown key, wrong key, unknown tenant, another
 * tenant's id) gives the same answer, and the same work is done on every path (one keyed hash and
 * one constant-time comparison), so neither the body nor the timing tells a caller whether a
 * tenant or a key id exists. The reason is kept for the security log only.
 */
final class ApiKeyAuthenticator {
    private static final String DUMMY_KEY = "wdn_dummy0000000_" + "A".repeat(43);

    private final KeyHasher hasher;
    private final byte[] dummyHash;
    private final KeyUsage usage;

    /** {@code usage}: records each key's last use (may be null: not recorded). */
    ApiKeyAuthenticator(KeyHasher hasher, KeyUsage usage) {
        this.hasher = hasher;
        this.dummyHash = hasher.hash("not-a-key-" + System.nanoTime());
        this.usage = usage;
    }

    /** The imported key that {@code key} is (by its keyed hash), or null. */
    ApiKeyRecord imported(Snapshot snapshot, String key) {
        return snapshot.hasImportedKeys() ? snapshot.importedKey(hasher.hash(key)) : null;
    }

    /**
     * Checks {@code key} (null: none or ambiguous; {@code presented}: a credential header was
     * there), whose Warden key id is {@code keyId} (null: not a Warden key), or which is the
     * {@code imported} key already matched by its hash.
     */
    Future<Outcome> authenticate(Exchange exchange, String key, String keyId, ApiKeyRecord imported, boolean presented) {
        Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
        ApiKeyRecord record = imported != null ? imported : keyId == null ? null : snapshot.key(keyId);

        // Always one hash and one comparison, whatever is missing (an imported key was matched by its hash).
        boolean keyValid = imported != null
                || hasher.matches(keyId == null ? DUMMY_KEY : key, record == null ? dummyHash : record.hash()) && record != null;

        TenantClaim claim = exchange.get(RequestContext.CLAIM);
        long now = System.currentTimeMillis();
        String reason = null;
        if (key == null) {
            reason = presented ? "credential_malformed" : "credential_missing";
        } else if (!keyValid) {
            reason = "key_invalid";
        } else if (!record.validAt(now)) {
            reason = "key_expired"; // expired, or past the end of a rotation's overlap
        } else if (claim != null && claim.tenant() == null) {
            reason = "tenant_unknown";
        } else if (claim != null && !claim.id().equals(record.tenantId())) {
            reason = "tenant_mismatch";
        }
        if (reason != null) {
            return Outcome.rejectNow(GatewayError.unauthenticated(reason));
        }
        Tenant tenant = snapshot.tenant(record.tenantId());
        if (tenant == null) {
            return Outcome.rejectNow(GatewayError.unauthenticated("key_tenant_gone"));
        }
        if (!snapshot.identities().auth(tenant.id()).accepts("api-key")) {
            return Outcome.rejectNow(GatewayError.unauthenticated("scheme_disabled")); // this tenant turned API keys off
        }
        if (usage != null) {
            usage.used(record.keyId(), now);
        }
        exchange.verifiedTenant(tenant.id());
        exchange.put(RequestContext.TENANT, tenant);
        exchange.put(RequestContext.PRINCIPAL,
                new Principal(tenant.id(), record.keyId(), record.role(), record.models(), "api_key"));
        exchange.put(RequestContext.AUTH, AuthContext.API_KEY);
        if (tenant.status() == TenantStatus.SUSPENDED) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.TENANT_SUSPENDED,
                    "This tenant is suspended.", "tenant_suspended"));
        }
        return Outcome.continueNow();
    }
}
