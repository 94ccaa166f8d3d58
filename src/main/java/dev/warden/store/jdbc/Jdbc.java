package dev.warden.store.jdbc;

import dev.warden.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;

/**
 * The store's JDBC plumbing, shared by its per-kind parts: reads on a pooled connection, and
 * writes as one transaction that also bumps the store version (and, on PostgreSQL, notifies the
 * other replicas when, and only if, it commits). Every SQL failure becomes a {@link StoreException}.
 */
final class Jdbc {
    /** Work on one connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Builds one value from the current row of a result set. */
    @FunctionalInterface
    interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private final DataSource dataSource;
    /** Whether writes notify listeners (PostgreSQL); SQLite has one process, which polls. */
    private final boolean notifies;

    Jdbc(DataSource dataSource, boolean notifies) {
        this.dataSource = dataSource;
        this.notifies = notifies;
    }

    <T> T read(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(what + " failed: " + e.getMessage(), e);
        }
    }

    /** One transaction: the work and the version bump commit together or not at all (a snapshot change). */
    <T> T write(String what, Work<T> work) {
        return transaction(what, true, work);
    }

    /** One transaction that changes nothing the snapshot reads (audit, usage, jobs): no version bump. */
    <T> T append(String what, Work<T> work) {
        return transaction(what, false, work);
    }

    private <T> T transaction(String what, boolean bumpVersion, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                if (bumpVersion) {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE store_version SET version = version + 1 WHERE id = 1")) {
                        ps.executeUpdate();
                    }
                    if (notifies) {
                        // Delivered to listeners when (and only if) this transaction commits.
                        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify('" + PgChangeListener.CHANNEL + "', '')")) {
                            ps.executeQuery().close();
                        }
                    }
                }
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new StoreException(what + " failed: " + e.getMessage(), e);
        }
    }

    /** The store version (bumped by every snapshot change). */
    long version() {
        return read("read version", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT version FROM store_version WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    static boolean exists(Connection c, String sql, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Every row of a query whose parameters are all strings. */
    static <T> List<T> rows(Connection c, String sql, Row<T> row, String... args) throws SQLException {
        List<T> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row.read(rs));
                }
            }
        }
        return out;
    }

    /** A nullable BIGINT column: 0 when NULL. */
    static long longOrZero(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? 0 : v;
    }

    /** Sets a BIGINT parameter that is NULL when {@code value} is 0 (or less). */
    static void setPositiveOrNull(PreparedStatement ps, int index, long value) throws SQLException {
        if (value > 0) {
            ps.setLong(index, value);
        } else {
            ps.setNull(index, Types.BIGINT);
        }
    }

    /** A comma-separated column as a list. */
    static List<String> split(String csv) {
        return csv == null || csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }
}
