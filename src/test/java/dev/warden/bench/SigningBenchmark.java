package dev.warden.bench;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What one service-token signature costs with the JDK's own providers (why Warden signs tokens
 * on a worker and reuses them): Ed25519 (the algorithm of Warden's service tokens), ES256 and
 * RS256 over a token-sized input. {@code bench/jmh.sh SigningBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SigningBenchmark {
    private final byte[] input = new byte[320];
    private KeyPair ed;
    private KeyPair ec;
    private KeyPair rsa;

    @Setup
    public void keys() throws Exception {
        ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPairGenerator e = KeyPairGenerator.getInstance("EC");
        e.initialize(new ECGenParameterSpec("secp256r1"));
        ec = e.generateKeyPair();
        KeyPairGenerator r = KeyPairGenerator.getInstance("RSA");
        r.initialize(2048);
        rsa = r.generateKeyPair();
    }

    private byte[] sign(String alg, KeyPair kp) throws Exception {
        Signature s = Signature.getInstance(alg);
        s.initSign(kp.getPrivate());
        s.update(input);
        return s.sign();
    }

    @Benchmark
    public byte[] ed25519() throws Exception {
        return sign("Ed25519", ed);
    }

    @Benchmark
    public byte[] es256() throws Exception {
        return sign("SHA256withECDSA", ec);
    }

    @Benchmark
    public byte[] rs256() throws Exception {
        return sign("SHA256withRSA", rsa);
    }
}
