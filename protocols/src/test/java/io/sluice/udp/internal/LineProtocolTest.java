package io.sluice.udp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineProtocolTest {
    private static String m(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return LineProtocol.measurement(b, 0, b.length);
    }

    @Test
    void validLines_yieldTheUnescapedMeasurement() {
        assertEquals("cpu", m("cpu value=1"));
        assertEquals("cpu", m("cpu,host=a,region=eu value=1.5,n=3i,u=4u,s=\"a \\\"q\\\" ,x\",b=true 1700000000000000000"));
        assertEquals("my cpu,x", m("my\\ cpu\\,x,ta\\ g=v\\,1 f\\=k=-1e3 -5"));
    }

    @Test
    void malformedLines_areRefused() {
        assertNull(m("cpu"));
        assertNull(m("cpu "));
        assertNull(m("cpu,host=a"));
        assertNull(m("cpu,host value=1"));
        assertNull(m("cpu,=a value=1"));
        assertNull(m("cpu value="));
        assertNull(m("cpu value=abc"));
        assertNull(m("cpu value=1 12x"));
        assertNull(m("cpu value=\"open"));
        assertNull(m("cpu value=1 "));
        assertNull(m("cpu value=-1u"));
        assertNull(m(",t=1 value=1"));
        assertNull(m("cpu value=1,"));
        assertNull(m("cpu\\"));
    }
}
