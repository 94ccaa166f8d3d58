package dev.warden;

import java.net.HttpURLConnection;
import java.net.URI;

/**
 * The container's health check: {@code java -cp warden.jar dev.warden.Probe URL} exits 0 when the
 * URL answers 2xx within two seconds, 1 otherwise. The image has no curl or shell; this starts in a
 * fraction of a second because it loads nothing but the JDK's HTTP client.
 */
public final class Probe {
    private Probe() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: Probe http://127.0.0.1:9090/readyz");
            System.exit(2);
        }
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(args[0]).toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(2000);
            int status = c.getResponseCode();
            c.disconnect();
            System.exit(status >= 200 && status < 300 ? 0 : 1);
        } catch (Exception e) {
            System.err.println("probe " + args[0] + ": " + e.getClass().getSimpleName());
            System.exit(1);
        }
    }
}
