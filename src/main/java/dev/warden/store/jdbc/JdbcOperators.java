package dev.warden.store.jdbc;

import dev.warden.config.PlatformRole;
import dev.warden.store.OperatorKey;
import dev.warden.store.OperatorStore;
import dev.warden.store.StoreException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/** {@link OperatorStore} over the {@code operator_keys} table. */
final class JdbcOperators implements OperatorStore {
    private final Jdbc jdbc;

    JdbcOperators(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public OperatorKey insert(OperatorKey k) {
        return jdbc.write("insert operator key " + k.keyId(), c -> {
            if (Jdbc.exists(c, "SELECT 1 FROM operator_keys WHERE key_id = ?", k.keyId())
                    || Jdbc.exists(c, "SELECT 1 FROM api_keys WHERE key_id = ?", k.keyId())) {
                throw new StoreException.Conflict("key id " + k.keyId() + " exists");
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO operator_keys (key_id, name, role, key_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL)")) {
                ps.setString(1, k.keyId());
                ps.setString(2, k.name());
                ps.setString(3, k.role().id());
                ps.setString(4, k.hashText());
                ps.setLong(5, k.createdAtMs());
                ps.executeUpdate();
            }
            return k;
        });
    }

    @Override
    public List<OperatorKey> all() {
        return jdbc.read("list operator keys", c -> {
            List<OperatorKey> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM operator_keys ORDER BY created_at, key_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    PlatformRole role = PlatformRole.parse(rs.getString("role"));
                    if (role != null) { // a role this version does not know grants nothing
                        out.add(new OperatorKey(rs.getString("key_id"), rs.getString("name"), role, rs.getString("key_hash"),
                                rs.getLong("created_at"), Jdbc.longOrZero(rs, "revoked_at")));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public boolean revoke(String keyId, long atMs) {
        return jdbc.write("revoke operator key " + keyId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE operator_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL")) {
                ps.setLong(1, atMs);
                ps.setString(2, keyId);
                return ps.executeUpdate() == 1;
            }
        });
    }
}
