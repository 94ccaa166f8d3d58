package dev.warden.store.jdbc;

import dev.warden.store.ObjectOwners;
import dev.warden.store.OwnedObject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;

/** {@link ObjectOwners} over the {@code owned_objects} table. */
final class JdbcObjectOwners implements ObjectOwners {
    private final Jdbc jdbc;

    JdbcObjectOwners(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public boolean record(OwnedObject o) {
        return jdbc.append("record owner", c -> {
            if (Jdbc.rows(c, "SELECT id FROM owned_objects WHERE kind = ? AND id = ?", rs -> rs.getString(1), o.kind(), o.id()).size() > 0) {
                return false; // it stays whose it was
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO owned_objects (kind, id, tenant_id, upstream_url, region, model, created_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, o.kind());
                ps.setString(2, o.id());
                ps.setString(3, o.tenant());
                ps.setString(4, o.upstreamUrl());
                ps.setString(5, o.region());
                ps.setString(6, o.model());
                ps.setLong(7, o.createdAtMs());
                ps.executeUpdate();
            }
            return true;
        });
    }

    @Override
    public Optional<OwnedObject> find(String kind, String id) {
        return jdbc.read("find owner", c -> Jdbc.rows(c, "SELECT * FROM owned_objects WHERE kind = ? AND id = ?", JdbcObjectOwners::row, kind, id)
                .stream().findFirst());
    }

    @Override
    public void forget(String kind, String id, String tenant) {
        jdbc.append("forget owner", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM owned_objects WHERE kind = ? AND id = ? AND tenant_id = ?")) {
                ps.setString(1, kind);
                ps.setString(2, id);
                ps.setString(3, tenant);
                ps.executeUpdate();
            }
            return null;
        });
    }

    private static OwnedObject row(ResultSet rs) throws java.sql.SQLException {
        return new OwnedObject(rs.getString("kind"), rs.getString("id"), rs.getString("tenant_id"), rs.getString("upstream_url"),
                rs.getString("region"), rs.getString("model"), rs.getLong("created_at"));
    }
}
