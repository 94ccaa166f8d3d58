package dev.warden.config;

/**
 * Where the control store is and how often a replica checks it for changes.
 *
 * @param url       JDBC URL ({@code jdbc:sqlite:FILE} or {@code jdbc:postgresql://...}); null = a
 *                  SQLite file {@code warden.db} in the data directory
 * @param refreshMs how often the store's version is polled (a change is picked up within this)
 * @param files     the files API's storage in this store ({@link Files#NONE}: no files API)
 */
public record StoreSettings(String url, int refreshMs, Files files) {
    public static final StoreSettings DEFAULTS = new StoreSettings(null, 1000, Files.NONE);

    /**
     * Files uploaded through {@code /v1/files} are kept in the control store, sealed. The store
     * is in one region: only tenants that may use that region upload there.
     *
     * @param region   where the control store's data lives (null: no files API)
     * @param maxBytes the largest file, in bytes
     */
    public record Files(String region, long maxBytes) {
        public static final long DEFAULT_MAX_BYTES = 100L * 1024 * 1024;
        public static final Files NONE = new Files(null, DEFAULT_MAX_BYTES);

        public boolean on() {
            return region != null;
        }
    }

    @Override
    public String toString() {
        return "StoreSettings[url=" + (url == null ? "(default)" : url.replaceAll("(?i)(password=)[^&]*", "$1<redacted>"))
                + ", refreshMs=" + refreshMs + ", files=" + files + "]";
    }
}
