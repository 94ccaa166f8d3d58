package dev.warden.store.jdbc;

import dev.warden.config.Role;
import dev.warden.store.KeyStore;
import dev.warden.store.StoreException;
import dev.warden.store.StoredKey;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/** {@link KeyStore} over the {@code api_keys} table (a key id is unique across tenants' and operators' keys). */
final class JdbcKeys implements KeyStore {
    private final Jdbc jdbc;

    JdbcKeys(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public StoredKey insert(StoredKey k) {
        return jdbc.write("insert key " + k.keyId(), c -> {
            if (Jdbc.exists(c, "SELECT 1 FROM api_keys WHERE key_id = ?", k.keyId())
                    || Jdbc.exists(c, "SELECT 1 FROM operator_keys WHERE key_id = ?", k.keyId())) {
                throw new StoreException.Conflict("key id " + k.keyId() + " exists");
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO api_keys (key_id, tenant_id, role, models, key_hash, created_at, revoked_at, expires_at) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, k.keyId());
                ps.setString(2, k.tenantId());
                ps.setString(3, k.role().id());
                ps.setString(4, k.models() == null ? null : String.join(",", k.models()));
                ps.setString(5, k.hashText());
                ps.setLong(6, k.createdAtMs());
                Jdbc.setPositiveOrNull(ps, 7, k.revokedAtMs());
                Jdbc.setPositiveOrNull(ps, 8, k.expiresAtMs());
                ps.executeUpdate();
            }
            return k;
        });
    }

    @Override
    public List<StoredKey> all() {
        return jdbc.read("list keys", c -> Jdbc.rows(c, "SELECT * FROM api_keys ORDER BY tenant_id, created_at, key_id", JdbcKeys::key));
    }

    @Override
    public List<StoredKey> ofTenant(String tenantId) {
        return jdbc.read("list keys", c -> Jdbc.rows(c, "SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at, key_id",
                JdbcKeys::key, tenantId));
    }

    @Override
    public boolean revoke(String tenantId, String keyId, long atMs) {
        return jdbc.write("revoke key " + keyId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND tenant_id = ? AND (revoked_at IS NULL OR revoked_at > ?)")) {
                // A revocation only ever moves a key's end earlier (a rotation's overlap can be cut short, never extended).
                ps.setLong(1, atMs);
                ps.setString(2, keyId);
                ps.setString(3, tenantId);
                ps.setLong(4, atMs);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void touch(Map<String, Long> lastUsed) {
        if (lastUsed.isEmpty()) {
            return;
        }
        jdbc.append("record key use", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE api_keys SET last_used_at = ? WHERE key_id = ? AND (last_used_at IS NULL OR last_used_at < ?)")) {
                for (Map.Entry<String, Long> e : lastUsed.entrySet()) {
                    ps.setLong(1, e.getValue());
                    ps.setString(2, e.getKey());
                    ps.setLong(3, e.getValue());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    private static StoredKey key(ResultSet rs) throws SQLException {
        String models = rs.getString("models");
        return new StoredKey(rs.getString("key_id"), rs.getString("tenant_id"), Role.parse(rs.getString("role")),
                models == null ? null : Jdbc.split(models), rs.getString("key_hash"), rs.getLong("created_at"),
                Jdbc.longOrZero(rs, "revoked_at"), Jdbc.longOrZero(rs, "expires_at"), Jdbc.longOrZero(rs, "last_used_at"));
    }
}
