package dev.warden.store.jdbc;

import dev.warden.store.BindingStore;
import dev.warden.store.RoleBinding;
import dev.warden.store.StoreException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;

/** {@link BindingStore} over the {@code role_bindings} table. */
final class JdbcBindings implements BindingStore {
    private final Jdbc jdbc;

    JdbcBindings(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public RoleBinding add(RoleBinding b) {
        return jdbc.write("add role binding", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT 1 FROM role_bindings WHERE scope = ? AND subject = ? AND role = ?")) {
                ps.setString(1, b.scope());
                ps.setString(2, b.subject());
                ps.setString(3, b.role());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        throw new StoreException.Conflict("binding exists");
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO role_bindings (scope, subject, role, created_at) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, b.scope());
                ps.setString(2, b.subject());
                ps.setString(3, b.role());
                ps.setLong(4, b.createdAtMs());
                ps.executeUpdate();
            }
            return b;
        });
    }

    @Override
    public boolean remove(String scope, String subject, String role) {
        return jdbc.write("remove role binding", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM role_bindings WHERE scope = ? AND subject = ? AND role = ?")) {
                ps.setString(1, scope);
                ps.setString(2, subject);
                ps.setString(3, role);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<RoleBinding> all() {
        return jdbc.read("list role bindings", c -> Jdbc.rows(c, "SELECT * FROM role_bindings ORDER BY scope, subject, role",
                rs -> new RoleBinding(rs.getString("scope"), rs.getString("subject"), rs.getString("role"), rs.getLong("created_at"))));
    }
}
