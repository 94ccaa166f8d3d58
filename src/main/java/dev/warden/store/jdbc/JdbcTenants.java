package dev.warden.store.jdbc;

import dev.warden.config.TenantStatus;
import dev.warden.store.StoreException;
import dev.warden.store.StoredTenant;
import dev.warden.store.TenantStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@link TenantStore} over the {@code tenants} table. */
final class JdbcTenants implements TenantStore {
    private final Jdbc jdbc;

    JdbcTenants(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public StoredTenant create(StoredTenant t) {
        return jdbc.write("create tenant " + t.id(), c -> {
            if (Jdbc.exists(c, "SELECT 1 FROM tenants WHERE id = ?", t.id())) {
                throw new StoreException.Conflict("tenant " + t.id() + " exists");
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO tenants (id, tier, regions, models, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, t.id());
                ps.setString(2, t.tier());
                ps.setString(3, String.join(",", t.regions()));
                ps.setString(4, String.join(",", t.models()));
                ps.setString(5, t.status().name().toLowerCase(Locale.ROOT));
                ps.setLong(6, t.createdAtMs());
                ps.setLong(7, t.updatedAtMs());
                ps.executeUpdate();
            }
            return t;
        });
    }

    @Override
    public Optional<StoredTenant> find(String id) {
        return jdbc.read("read tenant", c -> Jdbc.rows(c, "SELECT * FROM tenants WHERE id = ?", JdbcTenants::tenant, id)
                .stream().findFirst());
    }

    @Override
    public List<StoredTenant> all() {
        return jdbc.read("list tenants", c -> Jdbc.rows(c, "SELECT * FROM tenants ORDER BY id", JdbcTenants::tenant));
    }

    @Override
    public StoredTenant update(StoredTenant t) {
        return jdbc.write("update tenant " + t.id(), c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE tenants SET tier = ?, regions = ?, models = ?, status = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, t.tier());
                ps.setString(2, String.join(",", t.regions()));
                ps.setString(3, String.join(",", t.models()));
                ps.setString(4, t.status().name().toLowerCase(Locale.ROOT));
                ps.setLong(5, t.updatedAtMs());
                ps.setString(6, t.id());
                if (ps.executeUpdate() == 0) {
                    throw new StoreException.NotFound("tenant " + t.id());
                }
            }
            return t;
        });
    }

    private static StoredTenant tenant(ResultSet rs) throws SQLException {
        return new StoredTenant(rs.getString("id"), rs.getString("tier"), Jdbc.split(rs.getString("regions")),
                Jdbc.split(rs.getString("models")), TenantStatus.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)),
                rs.getLong("created_at"), rs.getLong("updated_at"));
    }
}
