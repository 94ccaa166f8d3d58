package dev.warden.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.warden.store.ControlStore;
import dev.warden.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;

/**
 * Opens a control store and brings its schema up to date (Flyway, {@code db/migration}). The URL
 * picks the database: {@code jdbc:sqlite:FILE} (the default: {@code dataDir/warden.db}, nothing to
 * install) or {@code jdbc:postgresql://...} (shared by every replica of a cluster).
 */
public final class ControlStores {
    private ControlStores() {
    }

    public static String defaultUrl(Path dataDir) {
        return "jdbc:sqlite:" + dataDir.resolve("warden.db");
    }

    /** Blocking (connects and migrates): call it at startup or from a worker thread. */
    public static ControlStore open(String url) {
        boolean sqlite = url.startsWith("jdbc:sqlite:");
        if (!sqlite && !url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("store url: " + redact(url) + " (expected: jdbc:sqlite:FILE or jdbc:postgresql://...)");
        }
        try {
            if (sqlite) {
                Path file = Path.of(url.substring("jdbc:sqlite:".length()));
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot create the store's directory", e);
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setPoolName("warden-store");
        config.setConnectionTimeout(5_000);
        config.setMaximumPoolSize(sqlite ? 4 : 8);
        config.setMinimumIdle(1);
        if (sqlite) {
            // One writer at a time; WAL lets readers go on while it writes; waits instead of failing.
            config.setConnectionInitSql("PRAGMA busy_timeout = 5000");
            config.addDataSourceProperty("journal_mode", "WAL");
            // Writes take the write lock when they begin: a transaction that read first and then
            // tried to upgrade would get SQLITE_BUSY at once instead of waiting for the lock.
            config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
            config.addDataSourceProperty("busy_timeout", "5000");
        }
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreException("cannot open the control store at " + redact(url) + ": " + e.getMessage(), e);
        }
        try {
            Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw new StoreException("cannot migrate the control store at " + redact(url) + ": " + e.getMessage(), e);
        }
        return new JdbcControlStore(dataSource, dataSource, sqlite ? null : url);
    }

    /** A URL without its password, for messages and logs. */
    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1<redacted>").replaceAll("//([^:/@]+):[^@/]*@", "//$1:<redacted>@");
    }
}
