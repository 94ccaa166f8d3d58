package dev.warden.egress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * The one rule for URLs Warden itself calls (identity providers, key sets, introspection,
 * webhooks): https, or plain http only to a loopback host (test servers); no credentials in the
 * URL, no fragment; never a host written as an IP address in a range no identity provider lives in
 * (link-local such as the cloud metadata address 169.254.169.254, unspecified, multicast; also in
 * IPv4-mapped IPv6 form), and never an address spelled as a bare number or in hex or octal
 * ({@code 2130706433}, {@code 0x7f000001}, {@code 0177.0.0.1}, {@code 127.1}) that resolvers read
 * as an IP. {@link #forbiddenAddress} applies the same ranges to the address a name resolves to, at
 * connect time. Loopback and private addresses are a matter of policy: {@link Egress}.
 */
public final class OutboundUrls {
    /** A host a resolver would read as a numeric address other than the four-decimal dotted form. */
    private static final Pattern OBFUSCATED = Pattern.compile("(?i)^(0x[0-9a-f]+|[0-9]+|([0-9a-fx]+\\.){1,3}[0-9a-fx]+)$");
    private static final Pattern DOTTED = Pattern.compile("^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$");

    private OutboundUrls() {
    }

    /**
     * Whether {@code s} may be stored as a URL Warden calls under {@code egress}: the shape rules
     * above, then a loopback host only when the policy allows loopback (and never one of the
     * gateway's own ports), an address literal in a private range only when it allows private.
     * A host name passes here; what it resolves to is checked at connect time ({@link Egress#checked}).
     */
    public static boolean allowed(String s, Egress egress) {
        try {
            URI u = new URI(s);
            String host = u.getHost();
            if (host == null || u.getUserInfo() != null || u.getFragment() != null) {
                return false;
            }
            boolean loopback = namesLoopback(host);
            boolean https = "https".equals(u.getScheme());
            if (!(https || "http".equals(u.getScheme()) && loopback)) {
                return false;
            }
            if (loopback && (!egress.allowLoopback() || egress.ownPorts().contains(u.getPort() > 0 ? u.getPort() : https ? 443 : 80))) {
                return false; // this machine: only where the operator allows it, and never the gateway itself
            }
            if (OBFUSCATED.matcher(host).matches() && !DOTTED.matcher(host).matches()) {
                return false; // 2130706433, 0x7f000001, 0177.0.0.1, 127.1: an address in disguise
            }
            if (DOTTED.matcher(host).matches() || host.startsWith("[")) {
                String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
                InetAddress a = InetAddress.getByName(literal);
                if (host.startsWith("[") && (a instanceof Inet4Address
                        || a instanceof Inet6Address v6 && v6.isIPv4CompatibleAddress() && !v6.isLoopbackAddress())) {
                    return false; // an IPv4 address inside an IPv6 one ([::ffff:7f00:1]): a disguise, never needed
                }
                return egress.refused(a) == null && (!a.isLoopbackAddress() || loopback);
            }
            return true;
        } catch (URISyntaxException | UnknownHostException e) {
            return false; // an IP literal that does not parse
        }
    }

    /** Whether a URL's host says loopback in one of the plain spellings (the only ones allowed plain http, or a loopback address). */
    public static boolean namesLoopback(String host) {
        return "127.0.0.1".equals(host) || "localhost".equals(host) || "[::1]".equals(host) || "::1".equals(host);
    }

    /**
     * Why Warden must not call {@code address} on a tenant's behalf, or null when it may: link-local
     * (169.254/16, fe80::/10: the cloud metadata service lives there), unspecified, multicast,
     * broadcast. IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
     */
    public static String forbiddenAddress(InetAddress address) {
        InetAddress a = unmapped(address);
        if (a.isLinkLocalAddress()) {
            return "link-local";
        }
        if (a.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (a.isMulticastAddress()) {
            return "multicast";
        }
        byte[] b = a.getAddress();
        if (b.length == 4 && (b[0] == 0 || (b[0] & 0xff) == 255 && (b[1] & 0xff) == 255 && (b[2] & 0xff) == 255 && (b[3] & 0xff) == 255)) {
            return "reserved";
        }
        return null;
    }

    /** The IPv4 address an IPv4-mapped IPv6 address carries; any other address unchanged. */
    static InetAddress unmapped(InetAddress address) {
        byte[] raw = address.getAddress();
        if (raw.length == 16 && isMapped(raw)) {
            try {
                return InetAddress.getByAddress(Arrays.copyOfRange(raw, 12, 16));
            } catch (UnknownHostException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        return address;
    }

    /** RFC 1918 (10/8, 172.16/12, 192.168/16), shared address space 100.64/10, IPv6 unique local fc00::/7 and site-local fec0::/10. */
    static boolean isPrivate(InetAddress a) {
        byte[] b = a.getAddress();
        if (a.isSiteLocalAddress()) {
            return true;
        }
        if (b.length == 4) {
            return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
        }
        return (b[0] & 0xfe) == 0xfc;
    }

    private static boolean isMapped(byte[] raw) {
        for (int i = 0; i < 10; i++) {
            if (raw[i] != 0) {
                return false;
            }
        }
        return raw[10] == (byte) 0xff && raw[11] == (byte) 0xff;
    }
}
