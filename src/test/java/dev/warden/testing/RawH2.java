package dev.warden.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Raw HTTP/2 frames over cleartext (prior knowledge) for the malformed requests that client
 * libraries refuse to send: uppercase names, connection-specific fields, pseudo-headers out of
 * place. Header blocks are written as HPACK literals (no indexing, no Huffman), so whatever bytes
 * a test names are exactly what the server receives; answers are decoded with Netty's HPACK decoder.
 */
public final class RawH2 implements AutoCloseable {
    public static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7, CONTINUATION = 9;
    private static final int END_STREAM = 0x1, END_HEADERS = 0x4, PADDED = 0x8, PRIORITY = 0x20, ACK = 0x1;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

    /** How a stream ended: its answer (status -1 if none), or a reset, or the whole connection going away. */
    public record Outcome(int status, Http2Headers headers, String body, int resetCode, int goAwayCode, boolean closed) {
        /** Refused by the framing rules: a stream or connection error PROTOCOL_ERROR (1), or a 400 answer. */
        public boolean malformed() {
            return resetCode == 1 || goAwayCode == 1 || status == 400;
        }

        @Override
        public String toString() {
            return "status " + status + (body.isEmpty() ? "" : " " + body) + ", reset " + resetCode + ", goaway " + goAwayCode
                    + (closed ? ", closed" : "");
        }
    }

    private RawH2(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(SETTINGS, 0, 0, new byte[0]);
    }

    /** A connection with the preface sent; the server's settings are acknowledged as they arrive. */
    public static RawH2 connect(int port) throws IOException {
        return new RawH2(port);
    }

    /** A HEADERS frame (END_HEADERS) with the pairs {@code name, value, name, value...} exactly as given. */
    public void headers(int stream, boolean endStream, String... pairs) throws IOException {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block(pairs));
    }

    private static byte[] block(String... pairs) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (int i = 0; i < pairs.length; i += 2) {
            block.write(0x00); // literal header field without indexing, new name (RFC 7541 6.2.2)
            string(block, pairs[i]);
            string(block, pairs[i + 1]);
        }
        return block.toByteArray();
    }

    /** A HEADERS frame without END_HEADERS: its block continues in {@link #continuation} frames. */
    public void headersContinued(int stream, String... pairs) throws IOException {
        frame(HEADERS, 0, stream, block(pairs));
    }

    public void continuation(int stream, boolean endHeaders, String... pairs) throws IOException {
        frame(CONTINUATION, endHeaders ? END_HEADERS : 0, stream, block(pairs));
    }

    /** RST_STREAM with {@code code} (8: CANCEL). */
    public void reset(int stream, int code) throws IOException {
        frame(RST_STREAM, 0, stream, new byte[] {(byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8), (byte) code});
    }

    /** Reads frames until {@code stream}'s first DATA frame (its answer's head read on the way); its text. */
    public String awaitData(int stream) throws IOException {
        while (true) {
            Frame f = read();
            if (f.type() == HEADERS && f.stream() == stream) {
                headersOf(f); // keeps the HPACK table in step
            } else if (f.type() == DATA && f.stream() == stream) {
                return new String(f.payload(), StandardCharsets.UTF_8);
            } else if (f.type() == RST_STREAM && f.stream() == stream || f.type() == GOAWAY) {
                throw new IOException("stream " + stream + " ended before any data (frame type " + f.type() + ")");
            }
        }
    }

    public void ping() throws IOException {
        frame(PING, 0, 0, new byte[8]);
    }

    public void data(int stream, byte[] bytes, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    /** Reads frames until {@code stream} is answered in full, reset, or the connection goes away. */
    public Outcome await(int stream) throws IOException {
        int status = -1;
        Http2Headers answered = null;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            Frame f;
            try {
                f = read();
            } catch (EOFException e) {
                return new Outcome(status, answered, body.toString(StandardCharsets.UTF_8), -1, -1, true);
            } catch (SocketTimeoutException e) {
                throw new IOException("no answer for stream " + stream + " within " + socket.getSoTimeout() + " ms (status " + status + ")");
            }
            if (f.type() == GOAWAY) {
                return new Outcome(status, answered, body.toString(StandardCharsets.UTF_8), -1, code(f.payload(), 4), false);
            }
            if (f.stream() != stream) {
                continue;
            }
            switch (f.type()) {
                case RST_STREAM -> {
                    return new Outcome(status, answered, body.toString(StandardCharsets.UTF_8), code(f.payload(), 0), -1, false);
                }
                case HEADERS -> {
                    Http2Headers h = headersOf(f);
                    if (answered == null) {
                        answered = h;
                        status = Integer.parseInt(h.status().toString());
                    }
                }
                case DATA -> body.write(f.payload());
                default -> {
                }
            }
            if ((f.type() == HEADERS || f.type() == DATA) && (f.flags() & END_STREAM) != 0) {
                return new Outcome(status, answered, body.toString(StandardCharsets.UTF_8), -1, -1, false);
            }
        }
    }

    private record Frame(int type, int flags, int stream, byte[] payload) {
    }

    /** The next frame; the server's SETTINGS and PINGs are acknowledged on the way. */
    private Frame read() throws IOException {
        int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        if ((type == SETTINGS || type == PING) && (flags & ACK) == 0) {
            acknowledge(type, type == PING ? payload : new byte[0]);
        }
        return new Frame(type, flags, stream, payload);
    }

    private Http2Headers headersOf(Frame f) throws IOException {
        try {
            return decoder.decodeHeaders(f.stream(), headerBlock(f.payload(), f.flags()));
        } catch (Http2Exception e) {
            throw new IOException(e);
        }
    }

    /** An acknowledgement, if the server still reads: one closing the connection may have sent frames before. */
    private void acknowledge(int type, byte[] payload) {
        try {
            frame(type, ACK, 0, payload);
        } catch (IOException closing) {
            // what it sent is still read
        }
    }

    /** The header block of a HEADERS frame: without its padding and priority fields. */
    private static ByteBuf headerBlock(byte[] payload, int flags) {
        int from = 0;
        int to = payload.length;
        if ((flags & PADDED) != 0) {
            from = 1;
            to -= payload[0] & 0xff;
        }
        if ((flags & PRIORITY) != 0) {
            from += 5;
        }
        return Unpooled.wrappedBuffer(payload, from, to - from);
    }

    private static int code(byte[] payload, int at) {
        return ((payload[at] & 0xff) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8) | (payload[at + 3] & 0xff);
    }

    private static void string(ByteArrayOutputStream block, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        integer(block, bytes.length, 7, 0x00); // H = 0: no Huffman
        block.writeBytes(bytes);
    }

    /** An HPACK integer with an {@code n}-bit prefix (RFC 7541 5.1). */
    private static void integer(ByteArrayOutputStream block, int value, int n, int high) {
        int max = (1 << n) - 1;
        if (value < max) {
            block.write(high | value);
            return;
        }
        block.write(high | max);
        value -= max;
        while (value >= 128) {
            block.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        block.write(value);
    }

    private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] head = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length, (byte) type, (byte) flags,
                (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
        out.write(head);
        out.write(payload);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
