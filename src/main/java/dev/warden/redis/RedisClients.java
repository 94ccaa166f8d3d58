package dev.warden.redis;

import dev.warden.config.RedisTarget;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;
import io.vertx.redis.client.RedisRole;
import io.vertx.redis.client.impl.RedisClusterClient;

/**
 * Clients for a {@link RedisTarget}: one server, a Redis Cluster (each key's command to its slot's
 * master, never a replica: admission must read what it wrote) or the master Sentinel names.
 */
public final class RedisClients {
    static {
        // SCRIPT LOAD names no key: on a cluster it must reach every master, not one at random
        // (Vert.x's public hook for keyless commands sent to every slot range's master)
        RedisClusterClient.addReducer(Command.SCRIPT, answers -> answers.get(0));
    }

    private RedisClients() {
    }

    /** The options for {@code target}, the pool sizes left to the caller. */
    public static RedisOptions options(RedisTarget target) {
        RedisOptions options = new RedisOptions();
        switch (target.topology()) {
            case RedisTarget.CLUSTER -> {
                options.setType(RedisClientType.CLUSTER).setUseReplicas(RedisReplicas.NEVER);
                target.urls().forEach(options::addConnectionString);
            }
            case RedisTarget.SENTINEL -> {
                options.setType(RedisClientType.SENTINEL).setMasterName(target.master()).setRole(RedisRole.MASTER);
                target.urls().forEach(options::addConnectionString);
            }
            default -> options.setConnectionString(target.url());
        }
        return options;
    }
}
