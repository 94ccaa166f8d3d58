package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.egress.Egress;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Reads {@code admin.idp}: the identity provider whose tokens the admin API accepts (null: none). */
final class AdminIdpReader {
    private AdminIdpReader() {
    }

    static AdminIdpConfig read(ConfigReader r, JsonNode root, Path baseDir) {
        JsonNode adminNode = root.get("admin");
        if (!r.isObject(adminNode, "admin", false)) {
            return null;
        }
        r.onlyKnown(adminNode, "admin", Set.of("idp"));
        JsonNode n = adminNode.get("idp");
        if (!r.isObject(n, "admin.idp", true)) {
            return null;
        }
        String p = "admin.idp";
        r.onlyKnown(n, p, Set.of("issuer", "audiences", "jwksUrl", "jwksFile", "algorithms", "clockSkewSeconds",
                "maxLifetimeSeconds", "rolesClaim"));
        String issuer = r.string(n, p, "issuer", null, true);
        List<String> audiences = r.requiredStrings(n, p + ".audiences");
        if (audiences.isEmpty()) {
            r.error(p + ".audiences", "(expected: at least one audience)");
        }
        String url = r.string(n, p, "jwksUrl", null, false);
        String file = r.string(n, p, "jwksFile", null, false);
        if ((url == null) == (file == null)) {
            r.error(p, "exactly one of jwksUrl and jwksFile is expected");
        }
        if (url != null && !Egress.OPERATOR.allows(url)) {
            r.error(p + ".jwksUrl", "'" + url + "' (expected: an https URL, or http to a loopback host)");
        }
        List<String> algs = n.has("algorithms") ? r.requiredStrings(n, p + ".algorithms") : List.of("RS256", "ES256");
        for (String a : algs) {
            if (!TenantAuth.ASYMMETRIC_ALGORITHMS.contains(a)) {
                r.error(p + ".algorithms", "'" + a + "' (expected asymmetric algorithms only, e.g. RS256, ES256, EdDSA)");
            }
        }
        Path jwksFile = file == null ? null : (baseDir == null ? Path.of(file) : baseDir.resolve(file));
        return new AdminIdpConfig(issuer, audiences, url, jwksFile, algs, r.integer(n, p, "clockSkewSeconds", 30, 0, 60),
                r.integer(n, p, "maxLifetimeSeconds", 3600, 60, 86_400), r.string(n, p, "rolesClaim", "roles", false));
    }
}
