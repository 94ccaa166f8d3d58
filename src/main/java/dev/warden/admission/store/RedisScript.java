package dev.warden.admission.store;

import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * One Lua script kept as a resource ({@code /admission/NAME.lua}), called by its SHA-1
 * ({@code EVALSHA}); {@link #load()} puts it into a Redis that does not know it yet (a fresh or
 * restarted one answers {@code NOSCRIPT}).
 */
record RedisScript(String name, String source, String sha) {
    static RedisScript of(String name) {
        try (InputStream in = RedisScript.class.getResourceAsStream("/admission/" + name + ".lua")) {
            if (in == null) {
                throw new IllegalStateException("missing resource /admission/" + name + ".lua");
            }
            String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            return new RedisScript(name, source, HexFormat.of().formatHex(digest));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot read script " + name, e);
        }
    }

    /** {@code EVALSHA sha numkeys keys... args...}. */
    Request call(List<String> keys, List<String> args) {
        Request r = Request.cmd(Command.EVALSHA).arg(sha).arg(keys.size());
        keys.forEach(r::arg);
        args.forEach(r::arg);
        return r;
    }

    Request load() {
        return Request.cmd(Command.SCRIPT).arg("LOAD").arg(source);
    }

    static boolean isNoScript(Throwable e) {
        return e != null && e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT");
    }
}
