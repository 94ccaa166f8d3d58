package dev.warden.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ATTACKS H01: the egress policy for tenant URLs, when written and at connect time. */
class EgressTest {
    private static final Egress LOOPBACK_ONLY = new Egress(true, false, Set.of(9090, 8080));

    private static InetAddress at(String name, int... b) throws Exception {
        byte[] raw = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            raw[i] = (byte) b[i];
        }
        return InetAddress.getByAddress(name, raw);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8443/jwks", "http://localhost:8443/jwks", "https://[::1]:8443/jwks", "https://10.1.2.3/introspect",
            "https://172.16.0.9/jwks", "https://192.168.1.1/jwks", "https://100.64.0.1/jwks", "https://[fd00::1]/jwks"})
    void theDefaultRefusesThisMachineAndPrivateNetworks(String url) {
        assertThat(Egress.CLOSED.allows(url)).as(url).isFalse();
        assertThat(OutboundUrls.allowed(url, Egress.OPERATOR)).as(url).isTrue();
    }

    @Test
    void eachSwitchOpensOnlyItsOwnRange() {
        assertThat(LOOPBACK_ONLY.allows("http://127.0.0.1:8443/jwks")).isTrue();
        assertThat(LOOPBACK_ONLY.allows("https://10.1.2.3/jwks")).isFalse();
        Egress privateOnly = new Egress(false, true, Set.of());
        assertThat(privateOnly.allows("https://10.1.2.3/jwks")).isTrue();
        assertThat(privateOnly.allows("https://[fd12::1]/jwks")).isTrue();
        assertThat(privateOnly.allows("http://127.0.0.1:8443/jwks")).isFalse();
        assertThat(Egress.CLOSED.allows("https://idp.example.com/jwks")).isTrue();
        assertThat(Egress.CLOSED.allows("https://203.0.113.7/jwks")).isTrue();
    }

    @Test
    void theGatewaysOwnPortsAreNeverCalledEvenWithLoopbackOpen() {
        assertThat(LOOPBACK_ONLY.allows("http://127.0.0.1:9090/admin/v1/tenants")).isFalse();
        assertThat(LOOPBACK_ONLY.allows("http://localhost:8080/v1/chat/completions")).isFalse();
        assertThat(LOOPBACK_ONLY.allows("http://127.0.0.1:9091/jwks")).isTrue();
    }

    @Test
    void aNameResolvingToTheMetadataServiceOrRebindingToThisMachineIsRefused() throws Exception {
        for (Egress e : List.of(Egress.CLOSED, LOOPBACK_ONLY, Egress.OPERATOR)) {
            assertThatThrownBy(() -> e.checked("idp.evil.example", new InetAddress[] {at("idp.evil.example", 169, 254, 169, 254)}))
                    .hasMessage("egress refused");
            assertThatThrownBy(() -> e.checked("idp.evil.example", new InetAddress[] {at("idp.evil.example", 127, 0, 0, 1)}))
                    .as("rebinding to loopback").hasMessage("egress refused");
            assertThatThrownBy(() -> e.checked("idp.evil.example",
                    new InetAddress[] {at("idp.evil.example", 203, 0, 113, 7), at("idp.evil.example", 169, 254, 169, 254)}))
                    .as("one bad address among good ones").hasMessage("egress refused");
        }
    }

    @Test
    void aNameResolvingToAPrivateAddressIsRefusedUnlessPrivateIsOpen() throws Exception {
        InetAddress internal = at("idp.corp.example", 10, 0, 0, 7);
        assertThatThrownBy(() -> Egress.CLOSED.checked("idp.corp.example", new InetAddress[] {internal})).hasMessage("egress refused");
        assertThatThrownBy(() -> Egress.CLOSED.checked("idp.corp.example", new InetAddress[] {at("idp.corp.example",
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 0, 1)})).as("IPv4-mapped private").hasMessage("egress refused");
        assertThat(new Egress(false, true, Set.of()).checked("idp.corp.example", new InetAddress[] {internal})).isEqualTo(internal);
    }

    @Test
    void ordinaryAddressesAreUsedAndLoopbackOnlyWhereTheUrlSaysSoAndThePolicyAllows() throws Exception {
        assertThat(Egress.CLOSED.checked("idp.example.com", new InetAddress[] {at("idp.example.com", 203, 0, 113, 7)}).getHostAddress())
                .isEqualTo("203.0.113.7");
        assertThat(LOOPBACK_ONLY.checked("127.0.0.1", new InetAddress[] {at("127.0.0.1", 127, 0, 0, 1)}).isLoopbackAddress()).isTrue();
        assertThat(LOOPBACK_ONLY.checked("localhost", new InetAddress[] {at("localhost", 127, 0, 0, 1)}).isLoopbackAddress()).isTrue();
        assertThatThrownBy(() -> Egress.CLOSED.checked("localhost", new InetAddress[] {at("localhost", 127, 0, 0, 1)}))
                .hasMessage("egress refused");
        assertThatThrownBy(() -> Egress.CLOSED.checked("idp.example.com", new InetAddress[0])).hasMessage("unresolved");
    }
}
