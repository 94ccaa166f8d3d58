package dev.warden.config;

import java.nio.file.Path;

/**
 * TLS on a listener: the server's certificate chain and key (PEM files), and whether clients are
 * asked for a certificate ({@code request}: optional, {@code require}: the handshake fails without
 * one). Client certificates are trusted per tenant: the union of the tenants' CA bundles (their
 * {@code auth.mtls.caBundle}) is the listener's trust, and a certificate identifies a caller only
 * for the tenant whose bundle it chains to.
 */
public record TlsConfig(Path certFile, Path keyFile, ClientAuth clientAuth) {
    public enum ClientAuth {
        NONE, REQUEST, REQUIRE
    }
}
