package dev.warden.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** ATTACKS H01 at connect time: what a tenant's IdP host name resolves to is checked before any connection. */
class IdpCallsTest {
    private static InetAddress at(String name, int... b) throws Exception {
        byte[] raw = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            raw[i] = (byte) b[i];
        }
        return InetAddress.getByAddress(name, raw);
    }

    @Test
    void aNameResolvingToTheMetadataServiceOrRebindingToThisMachineIsRefused() throws Exception {
        assertThatThrownBy(() -> IdpCalls.checkedAddress("idp.evil.example", new InetAddress[] {at("idp.evil.example", 169, 254, 169, 254)}))
                .hasMessage("egress refused");
        assertThatThrownBy(() -> IdpCalls.checkedAddress("idp.evil.example", new InetAddress[] {at("idp.evil.example", 127, 0, 0, 1)}))
                .as("rebinding to loopback").hasMessage("egress refused");
        assertThatThrownBy(() -> IdpCalls.checkedAddress("idp.evil.example",
                new InetAddress[] {at("idp.evil.example", 203, 0, 113, 7), at("idp.evil.example", 169, 254, 169, 254)}))
                .as("one bad address among good ones").hasMessage("egress refused");
    }

    @Test
    void aNameResolvingToOrdinaryAddressesIsUsedAndLoopbackOnlyWhereTheUrlSaysSo() throws Exception {
        assertThat(IdpCalls.checkedAddress("idp.example.com", new InetAddress[] {at("idp.example.com", 203, 0, 113, 7)}).getHostAddress())
                .isEqualTo("203.0.113.7");
        assertThat(IdpCalls.checkedAddress("127.0.0.1", new InetAddress[] {at("127.0.0.1", 127, 0, 0, 1)}).isLoopbackAddress()).isTrue();
        assertThat(IdpCalls.checkedAddress("localhost", new InetAddress[] {at("localhost", 127, 0, 0, 1)}).isLoopbackAddress()).isTrue();
    }
}
