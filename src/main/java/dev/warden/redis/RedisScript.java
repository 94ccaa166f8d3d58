package dev.warden.redis;

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
 * One Lua script kept as a resource, called by its SHA-1 ({@code EVALSHA}); {@link #load()} puts
 * it into a Redis that does not know it yet (a fresh or restarted one answers {@code NOSCRIPT}).
 * The limiter store's scripts are {@code /admission/NAME.lua}, the response cache's {@code /cache/NAME.lua}.
 */
public record RedisScript(String name, String source, String sha) {
    /** The script in the resource at {@code path}. */
    public static RedisScript at(String path) {
        return joined(path);
    }

    /** One script made of the resources at {@code paths}, in order (parts that several scripts start with). */
    public static RedisScript joined(String... paths) {
        StringBuilder source = new StringBuilder();
        for (String path : paths) {
            try (InputStream in = RedisScript.class.getResourceAsStream(path)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + path);
                }
                source.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read script " + path, e);
            }
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.toString().getBytes(StandardCharsets.UTF_8));
            return new RedisScript(paths[paths.length - 1], source.toString(), HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-1", e);
        }
    }

    /** {@code EVALSHA sha numkeys keys... args...}. */
    public Request call(List<String> keys, List<String> args) {
        Request r = Request.cmd(Command.EVALSHA).arg(sha).arg(keys.size());
        keys.forEach(r::arg);
        args.forEach(r::arg);
        return r;
    }

    public Request load() {
        return Request.cmd(Command.SCRIPT).arg("LOAD").arg(source);
    }

    public static boolean isNoScript(Throwable e) {
        return e != null && e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT");
    }
}
