package dev.warden.egress;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Set;

/**
 * Where Warden may connect on a tenant's behalf (the tenant's JWKS, discovery document and
 * introspection endpoint), from the top-level {@code egress} setting. Closed by default: a tenant
 * can name neither this machine (loopback) nor the private networks Warden runs in (RFC 1918,
 * 100.64/10, fc00::/7); link-local (the cloud metadata service), unspecified, multicast and
 * broadcast addresses are refused whatever it says ({@link OutboundUrls#forbiddenAddress}).
 *
 * <p>Operator-written URLs (alert webhooks, the admin IdP) are trusted with loopback and private
 * addresses ({@link #OPERATOR}) but never with the always-forbidden ranges. Read at start.
 *
 * @param allowLoopback a tenant URL may name loopback (local test IdPs; never in production)
 * @param allowPrivate  a tenant URL may name or resolve to a private address (an IdP on the internal network)
 * @param ownPorts      the gateway's own configured ports: never called on loopback, even when loopback is allowed
 */
public record Egress(boolean allowLoopback, boolean allowPrivate, Set<Integer> ownPorts) {
    /** The default for tenant URLs: public addresses only. */
    public static final Egress CLOSED = new Egress(false, false, Set.of());
    /** For URLs the operator wrote: any address but the always-forbidden ranges. */
    public static final Egress OPERATOR = new Egress(true, true, Set.of());

    public Egress {
        ownPorts = Set.copyOf(ownPorts);
    }

    /** Whether {@code url} may be stored as a URL Warden calls under this policy. */
    public boolean allows(String url) {
        return OutboundUrls.allowed(url, this);
    }

    /** Why {@code address} may not be called under this policy, or null when it may. */
    public String refused(InetAddress address) {
        String always = OutboundUrls.forbiddenAddress(address);
        if (always != null) {
            return always;
        }
        InetAddress a = OutboundUrls.unmapped(address);
        if (a.isLoopbackAddress() && !allowLoopback) {
            return "loopback";
        }
        if (OutboundUrls.isPrivate(a) && !allowPrivate) {
            return "private";
        }
        return null;
    }

    /**
     * The address to connect to for {@code host} among {@code resolved}: the first, once every one
     * of them is allowed; an {@link IOException} "egress refused" if any is refused, or is a
     * loopback address for a host that does not say loopback (DNS rebinding to this machine).
     * Blocking callers resolve first ({@link #resolve}); the check is apart so it can be tested.
     */
    public InetAddress checked(String host, InetAddress[] resolved) throws IOException {
        boolean saysLoopback = OutboundUrls.namesLoopback(host);
        for (InetAddress a : resolved) {
            if (refused(a) != null || (OutboundUrls.unmapped(a).isLoopbackAddress() && !saysLoopback)) {
                throw new IOException("egress refused");
            }
        }
        if (resolved.length == 0) {
            throw new IOException("unresolved");
        }
        return resolved[0];
    }

    /** Resolves {@code host} (blocking: call it on a worker) and {@link #checked checks} every address. */
    public InetAddress resolve(String host) throws IOException {
        String name = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return checked(host, InetAddress.getAllByName(name));
    }
}
