package dev.warden.store.jdbc;

import dev.warden.store.SettingStore;
import dev.warden.store.TenantSetting;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** {@link SettingStore} over the {@code tenant_settings} table. */
final class JdbcSettings implements SettingStore {
    private final Jdbc jdbc;

    JdbcSettings(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Optional<TenantSetting> put(TenantSetting s) {
        return jdbc.write("store " + s.kind() + " of " + s.tenantId(), c -> {
            Optional<TenantSetting> before = find(c, s.tenantId(), s.kind());
            String sql = before.isPresent()
                    ? "UPDATE tenant_settings SET body = ?, updated_at = ? WHERE tenant_id = ? AND kind = ?"
                    : "INSERT INTO tenant_settings (body, updated_at, tenant_id, kind) VALUES (?, ?, ?, ?)";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, s.body());
                ps.setLong(2, s.updatedAtMs());
                ps.setString(3, s.tenantId());
                ps.setString(4, s.kind());
                ps.executeUpdate();
            }
            return before;
        });
    }

    @Override
    public Optional<TenantSetting> delete(String tenantId, String kind) {
        return jdbc.write("delete " + kind + " of " + tenantId, c -> {
            Optional<TenantSetting> before = find(c, tenantId, kind);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM tenant_settings WHERE tenant_id = ? AND kind = ?")) {
                ps.setString(1, tenantId);
                ps.setString(2, kind);
                ps.executeUpdate();
            }
            return before;
        });
    }

    @Override
    public List<TenantSetting> all() {
        return jdbc.read("list settings", c -> Jdbc.rows(c, "SELECT * FROM tenant_settings ORDER BY tenant_id, kind", JdbcSettings::setting));
    }

    @Override
    public List<TenantSetting> ofTenant(String tenantId) {
        return jdbc.read("list settings", c -> Jdbc.rows(c, "SELECT * FROM tenant_settings WHERE tenant_id = ? ORDER BY kind",
                JdbcSettings::setting, tenantId));
    }

    @Override
    public Optional<TenantSetting> find(String tenantId, String kind) {
        return jdbc.read("read setting", c -> find(c, tenantId, kind));
    }

    private static Optional<TenantSetting> find(Connection c, String tenantId, String kind) throws SQLException {
        return Jdbc.rows(c, "SELECT * FROM tenant_settings WHERE tenant_id = ? AND kind = ?", JdbcSettings::setting, tenantId, kind)
                .stream().findFirst();
    }

    private static TenantSetting setting(ResultSet rs) throws SQLException {
        return new TenantSetting(rs.getString("tenant_id"), rs.getString("kind"), rs.getString("body"), rs.getLong("updated_at"));
    }
}
