package dev.warden.crypto;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;

/**
 * Client certificates, per connection: the chain the TLS handshake accepted (it trusts the union
 * of the tenants' CA bundles), checked again against one tenant's bundle only (PKIX, dates), with
 * the client-auth key usage, and the subject taken from the tenant's {@code identityFrom}. One
 * instance per event loop; a connection's chain is read once.
 */
public final class ClientCertificates {
    private static final String CLIENT_AUTH_EKU = "1.3.6.1.5.5.7.3.2";
    private final Map<HttpConnection, List<X509Certificate>> chains = new WeakHashMap<>();

    /** The presented chain (leaf first), or an empty list on plain HTTP or without a certificate. */
    public List<X509Certificate> chain(HttpServerRequest req) {
        if (req == null || !req.isSSL()) {
            return List.of();
        }
        HttpConnection c = req.connection();
        List<X509Certificate> cached = chains.get(c);
        if (cached != null) {
            return cached;
        }
        List<X509Certificate> chain = peerChain(c);
        chains.put(c, chain);
        return chain;
    }

    /** A connection's client certificate chain (leaf first), read from the TLS session; empty if none. */
    public static List<X509Certificate> peerChain(HttpConnection c) {
        if (c == null || !c.isSsl()) {
            return List.of();
        }
        List<X509Certificate> out = new ArrayList<>();
        try {
            for (var cert : c.peerCertificates()) {
                if (cert instanceof X509Certificate x) {
                    out.add(x);
                }
            }
        } catch (SSLPeerUnverifiedException e) {
            // no client certificate on this connection
        }
        return List.copyOf(out);
    }

    /**
     * The subject the chain proves under one trust policy (a tenant's, an exchange client's): taken
     * by {@code identityFrom} ({@code san-uri}, {@code san-dns}, {@code san-email} or
     * {@code subject-cn}) from a leaf that chains to {@code anchors}; null if it does not.
     */
    public static String subject(List<X509Certificate> chain, List<X509Certificate> anchors, String identityFrom) {
        if (chain.isEmpty() || !validFor(chain, anchors)) {
            return null;
        }
        X509Certificate leaf = chain.get(0);
        try {
            List<String> eku = leaf.getExtendedKeyUsage();
            if (eku != null && !eku.contains(CLIENT_AUTH_EKU)) {
                return null; // a server certificate is not a client's
            }
            if (identityFrom.equals("subject-cn")) {
                for (String part : leaf.getSubjectX500Principal().getName(X500Principal.RFC2253).split(",")) {
                    if (part.startsWith("CN=")) {
                        return part.substring(3);
                    }
                }
                return null;
            }
            int type = switch (identityFrom) {
                case "san-dns" -> 2;
                case "san-email" -> 1;
                default -> 6; // san-uri
            };
            if (leaf.getSubjectAlternativeNames() == null) {
                return null;
            }
            for (List<?> san : leaf.getSubjectAlternativeNames()) {
                if (san.size() == 2 && Integer.valueOf(type).equals(san.get(0)) && san.get(1) instanceof String v && !v.isEmpty()
                        && v.length() <= 256) {
                    return v;
                }
            }
            return null;
        } catch (CertificateParsingException e) {
            return null;
        }
    }

    /** PKIX validation of the chain against these anchors only (dates included; no revocation source). */
    private static boolean validFor(List<X509Certificate> chain, List<X509Certificate> anchors) {
        try {
            Set<TrustAnchor> trusted = new HashSet<>();
            for (X509Certificate a : anchors) {
                trusted.add(new TrustAnchor(a, null));
            }
            PKIXParameters params = new PKIXParameters(trusted);
            params.setRevocationEnabled(false);
            List<X509Certificate> path = new ArrayList<>();
            for (X509Certificate c : chain) {
                if (!anchors.contains(c)) {
                    path.add(c);
                }
            }
            if (path.isEmpty()) {
                return false; // a CA certificate itself is not a client
            }
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** RFC 8705: base64url SHA-256 of the certificate's DER, as in {@code cnf.x5t#S256}. */
    public static String thumbprint(X509Certificate cert) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
