package dev.warden.http;

import dev.warden.config.Snapshot;
import dev.warden.config.TenantAuth;
import dev.warden.config.TlsConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The data listener's TLS: its certificate, and which client certificates the handshake accepts —
 * the union of the tenants' CA bundles, never the JVM's public CAs. With no tenant bundle, no
 * client certificate is asked for at all (none could be accepted). The handshake only filters; a
 * certificate then identifies a caller for the one tenant whose bundle it chains to.
 */
public final class ClientTrust {
    private ClientTrust() {
    }

    /**
     * Every tenant's CA bundle, then every exchange client's (PEM), in name order: a change of it
     * means new trust. Which CA a chain ends at decides what it may prove, later, per tenant or client.
     */
    public static String bundles(Snapshot snapshot) {
        Map<String, String> byTenant = new TreeMap<>();
        snapshot.identities().auth().forEach((tenant, auth) -> {
            TenantAuth.MtlsPolicy m = auth.mtls();
            if (auth.accepts("mtls") && m != null) {
                byTenant.put(tenant, m.caBundlePem());
            }
        });
        Map<String, String> byClient = new TreeMap<>();
        snapshot.config().exchangeClients().forEach((id, client) -> {
            if (client.certificate() != null) {
                byClient.put(id, client.certificate().caBundlePem());
            }
        });
        List<String> all = new ArrayList<>(byTenant.values());
        all.addAll(byClient.values());
        return String.join("\n", all);
    }

    public static ServerSSLOptions options(TlsConfig tls, String bundles) {
        ServerSSLOptions o = new ServerSSLOptions().setKeyCertOptions(keyCert(tls));
        if (tls.clientAuth() == TlsConfig.ClientAuth.NONE || bundles.isEmpty()) {
            return o.setClientAuth(ClientAuth.NONE);
        }
        return o.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(bundles)))
                .setClientAuth(tls.clientAuth() == TlsConfig.ClientAuth.REQUIRE ? ClientAuth.REQUIRED : ClientAuth.REQUEST);
    }

    /** The same, on the listener's options at start. */
    public static void apply(HttpServerOptions options, TlsConfig tls, String bundles) {
        ServerSSLOptions o = options(tls, bundles);
        options.setSsl(true).setKeyCertOptions(o.getKeyCertOptions()).setClientAuth(o.getClientAuth());
        if (o.getTrustOptions() != null) {
            options.setTrustOptions(o.getTrustOptions());
        }
    }

    static PemKeyCertOptions keyCert(TlsConfig tls) {
        return new PemKeyCertOptions().setCertPath(tls.certFile().toString()).setKeyPath(tls.keyFile().toString());
    }
}
