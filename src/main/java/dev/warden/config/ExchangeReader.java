package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.crypto.KeyHasher;
import dev.warden.crypto.PemCertificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code exchange.clients}: the platform services that may exchange a token for the next hop (RFC 8693). */
final class ExchangeReader {
    private ExchangeReader() {
    }

    static Map<String, ExchangeClient> clients(ConfigReader r, JsonNode root, Path baseDir) {
        Map<String, ExchangeClient> clients = new LinkedHashMap<>();
        JsonNode exchangeNode = root.get("exchange");
        if (!r.isObject(exchangeNode, "exchange", false)) {
            return clients;
        }
        r.onlyKnown(exchangeNode, "exchange", Set.of("clients"));
        r.entries(exchangeNode, "exchange", "clients", false, (id, node, path) -> {
            r.onlyKnown(node, path, Set.of("secretHash", "certificate", "from", "to"));
            if (!id.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                r.error(path, "client id '" + id + "' (expected: 1..63 of [a-z0-9-])");
            }
            String hash = r.string(node, path, "secretHash", null, false);
            if (hash != null && !KeyHasher.isHashText(hash)) {
                r.error(path + ".secretHash", "(expected: hmac-sha256:<hex>, e.g. the hash line of `./warden keys new`)");
            }
            TenantAuth.MtlsPolicy certificate = null;
            String subject = null;
            JsonNode cert = node.get("certificate");
            if (r.isObject(cert, path + ".certificate", false)) {
                r.onlyKnown(cert, path + ".certificate", Set.of("caFile", "identityFrom", "subject"));
                String caFile = r.string(cert, path + ".certificate", "caFile", null, true);
                String identityFrom = r.string(cert, path + ".certificate", "identityFrom", "san-uri", false);
                subject = r.string(cert, path + ".certificate", "subject", null, true);
                if (!TenantAuth.IDENTITY_SOURCES.contains(identityFrom)) {
                    r.error(path + ".certificate.identityFrom", "'" + identityFrom + "' (expected: san-uri, san-dns, san-email or subject-cn)");
                }
                if (caFile != null) {
                    certificate = clientCa(r, path + ".certificate.caFile",
                            baseDir == null ? Path.of(caFile) : baseDir.resolve(caFile), identityFrom);
                }
            }
            if (hash == null && cert == null) {
                r.error(path, "a credential is required (expected: secretHash, certificate, or both)");
            }
            List<String> from = r.requiredStrings(node, path + ".from");
            List<String> to = r.requiredStrings(node, path + ".to");
            clients.put(id, new ExchangeClient(id, hash == null ? "" : hash, new LinkedHashSet<>(from), new LinkedHashSet<>(to),
                    certificate, subject));
        });
        return clients;
    }

    /** Every pool a client names exists (read once the pools are). */
    static void checkPools(ConfigReader r, Map<String, ExchangeClient> clients, Map<String, PoolConfig> pools) {
        clients.values().forEach(client -> {
            for (String side : List.of("from", "to")) {
                for (String pool : side.equals("from") ? client.from() : client.to()) {
                    if (!pools.containsKey(pool)) {
                        r.error("exchange.clients." + client.id() + "." + side, "unknown pool '" + pool + "' (expected one of: "
                                + String.join(", ", pools.keySet()) + ")");
                    }
                }
            }
        });
    }

    /** A client CA bundle (PEM, one or more certificates) read from a file, as a certificate policy. */
    private static TenantAuth.MtlsPolicy clientCa(ConfigReader r, String path, Path file, String identityFrom) {
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            List<X509Certificate> anchors = PemCertificates.parse(pem);
            if (anchors.isEmpty()) {
                r.error(path, "'" + file.getFileName() + "' holds no certificate (expected: PEM CA certificates)");
                return null;
            }
            return new TenantAuth.MtlsPolicy(anchors, pem, identityFrom, "never");
        } catch (IOException e) {
            r.error(path, "'" + file.getFileName() + "' cannot be read (expected: a PEM file, relative to the config file)");
        } catch (CertificateException e) {
            r.error(path, "'" + file.getFileName() + "' is not PEM certificates");
        }
        return null;
    }
}
