package dev.warden.config;

/**
 * Where the control store is and how often a replica checks it for changes.
 *
 * @param url       JDBC URL ({@code jdbc:sqlite:FILE} or {@code jdbc:postgresql://...}); null = a
 *                  SQLite file {@code warden.db} in the data directory
 * @param refreshMs how often the store's version is polled (a change is picked up within this)
 */
public record StoreSettings(String url, int refreshMs) {
    public static final StoreSettings DEFAULTS = new StoreSettings(null, 1000);

    @Override
    public String toString() {
        return "StoreSettings[url=" + (url == null ? "(default)" : url.replaceAll("(?i)(password=)[^&]*", "$1<redacted>"))
                + ", refreshMs=" + refreshMs + "]";
    }
}
