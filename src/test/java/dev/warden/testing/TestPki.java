package dev.warden.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Test certificates, made at the edge: CAs, server and client certificates (BouncyCastle). */
public final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key pair and its certificate (chain: the certificate, then its CA's, if any). */
    public record Issued(KeyPair keys, X509Certificate cert, X509Certificate ca) {
        public String certPem() {
            return pem(cert);
        }

        public String keyPem() {
            return pem(keys.getPrivate());
        }

        /** A TLS context presenting this certificate and trusting {@code serverCa}. */
        public SSLContext clientContext(X509Certificate serverCa) throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("me", keys.getPrivate(), new char[0], ca == null ? new X509Certificate[] {cert} : new X509Certificate[] {cert, ca});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), trusting(serverCa).getTrustManagers(), RANDOM);
            return ctx;
        }
    }

    private TestPki() {
    }

    public static Issued ca(String name) throws Exception {
        KeyPair kp = rsa();
        X500Name subject = new X500Name("CN=" + name);
        long now = System.currentTimeMillis();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(RANDOM.nextLong() & Long.MAX_VALUE),
                new Date(now - 60_000), new Date(now + 86_400_000L), subject, kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new Issued(kp, sign(b, kp), null);
    }

    /**
     * A leaf certificate signed by {@code ca}.
     *
     * @param san       a URI (a client's identity) or an IP address (a server), or null
     * @param purpose   clientAuth or serverAuth
     * @param notAfter  its end (in the past for an expired certificate)
     */
    public static Issued leaf(Issued ca, String cn, String san, KeyPurposeId purpose, long notBeforeMs, long notAfterMs) throws Exception {
        KeyPair kp = rsa();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(ca.cert().getSubjectX500Principal().getName()),
                BigInteger.valueOf(RANDOM.nextLong() & Long.MAX_VALUE), new Date(notBeforeMs), new Date(notAfterMs),
                new X500Name("CN=" + cn), kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        if (san != null) {
            GeneralName name = san.matches("[0-9.]+") ? new GeneralName(GeneralName.iPAddress, san)
                    : new GeneralName(GeneralName.uniformResourceIdentifier, san);
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(name));
        }
        return new Issued(kp, sign(b, ca.keys()), ca.cert());
    }

    public static Issued client(Issued ca, String uri) throws Exception {
        long now = System.currentTimeMillis();
        return leaf(ca, "client", uri, KeyPurposeId.id_kp_clientAuth, now - 60_000, now + 3_600_000);
    }

    public static TrustManagerFactory trusting(X509Certificate ca) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        return tmf;
    }

    public static String pem(Object o) {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o instanceof PrivateKey k ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null) : o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return sw.toString();
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate())));
    }
}
