package dev.warden.testing;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;

/**
 * The real databases the store tests run against: a fresh SQLite file, or a fresh schema in the
 * PostgreSQL of this machine (127.0.0.1:5432, database {@code test}). When PostgreSQL is not
 * reachable, its tests are skipped with a message, unless {@code WARDEN_REQUIRE_SERVICES=1}
 * (as in {@code .ci/run}), where they fail.
 */
public final class Databases {
    public static final String PG_BASE = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String PG_USER = "postgres";

    private Databases() {
    }

    public enum Kind { SQLITE, POSTGRESQL }

    /** A URL of an empty database of that kind (for PostgreSQL a new schema, dropped by {@link #drop}). */
    public static String fresh(Kind kind) throws Exception {
        if (kind == Kind.SQLITE) {
            return "jdbc:sqlite:" + Files.createTempDirectory("warden-store").resolve("warden.db");
        }
        requirePostgres();
        String schema = "warden_test_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        try (Connection c = DriverManager.getConnection(PG_BASE + "?user=" + PG_USER); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        return PG_BASE + "?user=" + PG_USER + "&currentSchema=" + schema;
    }

    public static void drop(String url) {
        int at = url.indexOf("currentSchema=");
        if (at < 0) {
            return;
        }
        try (Connection c = DriverManager.getConnection(PG_BASE + "?user=" + PG_USER); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + url.substring(at + "currentSchema=".length()) + " CASCADE");
        } catch (SQLException e) {
            // best effort: a leftover test schema is harmless
        }
    }

    /**
     * A service the calling test needs: when it is not up, the test is skipped with a message, or
     * fails when {@code WARDEN_REQUIRE_SERVICES=1} (as in {@code .ci/run}).
     */
    static void requireService(boolean up, String name, String where, String whose) {
        if (!up && "1".equals(System.getenv("WARDEN_REQUIRE_SERVICES"))) {
            throw new IllegalStateException(name + " is required (WARDEN_REQUIRE_SERVICES=1) but not reachable at " + where);
        }
        Assumptions.assumeTrue(up, name + " not reachable at " + where + ": " + whose + " are skipped "
                + "(set WARDEN_REQUIRE_SERVICES=1 to fail instead)");
    }

    private static void requirePostgres() {
        boolean up;
        DriverManager.setLoginTimeout(3);
        try (Connection c = DriverManager.getConnection(PG_BASE + "?user=" + PG_USER + "&connectTimeout=3")) {
            up = c.isValid(3);
        } catch (SQLException e) {
            up = false;
        }
        requireService(up, "PostgreSQL", "127.0.0.1:5432/test", "its store tests");
    }
}
