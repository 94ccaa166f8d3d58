package dev.warden.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ATTACKS H01: URLs Warden calls for a tenant, as written and as resolved. */
class OutboundUrlsTest {

    @ParameterizedTest
    @ValueSource(strings = {"https://169.254.169.254/latest/meta-data/", "https://[fe80::1]/jwks", "https://[::ffff:7f00:1]/jwks",
            "https://[::ffff:169.254.169.254]/jwks", "https://[::ffff:a9fe:a9fe]/jwks", "https://2130706433/jwks",
            "https://0x7f000001/jwks", "https://0177.0.0.1/jwks", "https://127.1/jwks", "https://0.0.0.0/jwks",
            "https://224.0.0.1/jwks", "http://idp.example.com/jwks", "file:///etc/passwd", "gopher://127.0.0.1:9090/_x",
            "https://user:pw@idp.example.com/jwks", "https://idp.example.com/jwks#frag", "https://[::7f00:1]/jwks"})
    void refusedWhenWrittenWhateverThePolicy(String url) {
        assertThat(OutboundUrls.allowed(url, Egress.OPERATOR)).as(url).isFalse();
        assertThat(OutboundUrls.allowed(url, Egress.CLOSED)).as(url).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://idp.example.com/.well-known/jwks.json", "https://203.0.113.7/jwks", "https://[2001:db8::1]/jwks",
            "http://127.0.0.1:8443/jwks", "http://localhost:8443/jwks", "https://10.1.2.3/introspect"})
    void allowedWhereLoopbackAndPrivateAddressesAreOpen(String url) {
        assertThat(OutboundUrls.allowed(url, Egress.OPERATOR)).as(url).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"169.254.169.254", "fe80::1", "0.0.0.0", "::", "224.0.0.251", "255.255.255.255", "::ffff:169.254.169.254"})
    void forbiddenWhenResolvedTo(String address) throws Exception {
        assertThat(OutboundUrls.forbiddenAddress(InetAddress.getByName(address))).as(address).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"203.0.113.7", "2001:db8::1", "127.0.0.1", "10.0.0.1"})
    void notForbiddenWhenResolvedTo(String address) throws Exception {
        assertThat(OutboundUrls.forbiddenAddress(InetAddress.getByName(address))).as(address).isNull();
    }
}
