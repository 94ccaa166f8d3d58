package dev.warden.crypto;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** A PEM bundle of X.509 certificates (a CA bundle), parsed; one parser for config, settings and the admin schema. */
public final class PemCertificates {
    private PemCertificates() {
    }

    /** Every certificate of {@code pem}, in order (empty if it holds none); malformed PEM throws. */
    public static List<X509Certificate> parse(String pem) throws CertificateException {
        List<X509Certificate> out = new ArrayList<>();
        for (var c : CertificateFactory.getInstance("X.509").generateCertificates(
                new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            out.add((X509Certificate) c);
        }
        return out;
    }
}
