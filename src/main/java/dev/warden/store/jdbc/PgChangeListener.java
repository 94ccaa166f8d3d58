package dev.warden.store.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on PostgreSQL's {@value #CHANNEL} channel (every control-store write notifies it in its
 * transaction, so the notification arrives only once the write is committed) and calls
 * {@code onChange} for each burst, on its own virtual thread. Its connection is its own, outside
 * the pool. If the connection drops it reconnects with backoff (1 s doubling to 10 s) and calls
 * {@code onChange} once it is back, since notifications sent meanwhile are lost; the periodic
 * refresh covers the gap either way.
 */
final class PgChangeListener implements AutoCloseable {
    static final String CHANNEL = "warden_store";
    private static final Logger LOG = LoggerFactory.getLogger(PgChangeListener.class);

    private final String url;
    private final Runnable onChange;
    private final Thread thread;
    private volatile boolean running = true;

    PgChangeListener(String url, Runnable onChange) {
        this.url = url;
        this.onChange = onChange;
        this.thread = Thread.ofVirtual().name("warden-store-listen").unstarted(this::run);
    }

    PgChangeListener start() {
        thread.start();
        return this;
    }

    private void run() {
        long backoff = 1000;
        boolean failed = false;
        while (running) {
            try (Connection c = DriverManager.getConnection(url)) {
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + CHANNEL);
                }
                if (failed) {
                    LOG.info("control store notifications reconnected");
                    onChange.run();
                    failed = false;
                }
                backoff = 1000;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] got = pg.getNotifications(1000);
                    if (got != null && got.length > 0) {
                        onChange.run();
                    }
                }
            } catch (SQLException e) {
                if (!running) {
                    return;
                }
                if (!failed) {
                    LOG.warn("control store notifications lost ({}); polling continues, reconnecting", e.getMessage());
                    failed = true;
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(10_000, backoff * 2);
            } catch (RuntimeException e) {
                LOG.error("control store change handler failed", e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
