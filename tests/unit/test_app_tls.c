/* test_app_tls.c - ClientHello/ServerHello decoding, JA3 and JA4.
 *
 * Test vectors are real TLS payloads taken with
 *   tshark -r /work/shared/pcaps/<file> -Y 'tls.handshake.type==1' -T fields -e tcp.payload
 * (ServerHello payloads are cut to their first record). References:
 *   - SNI: tshark 4.0.17, expected/<file>.sni.tsv (also read at run time when
 *     PS_SHARED is set);
 *   - JA3/JA4 of ndpi__443-curl, ndpi__psiphon3, ndpi__1kxun: nDPI's
 *     expected results (expected/<file>.ndpi.out). nDPI's JA4 SNI letter
 *     differs from FoxIO's rule ("d" iff the server_name extension is
 *     present) on psiphon3 and 1kxun; there we compare ja4_b/ja4_c with nDPI
 *     and the ja4_a part with the FoxIO rule;
 *   - negotiated version/cipher: Zeek ssl.log (tls13-ech), nDPI (curl,
 *     psiphon3);
 *   - FoxIO JA4.md worked example and the JA3 README examples. */
#include <stdlib.h>
#include <string.h>

#include "app_tls.h"
#include "unit.h"

/* ndpi__443-curl.pcap frame 4 (curl -> www.ntop.org): 517 bytes */
static const char curl_ch_hex[] =
    "1603010200010001fc03033e3841edcc20f6d0e5f7167ab7ee91a800c8ef70c2d624c7c7943a24026d9fbc00"
    "0086cc14cc13cc15c030c02cc028c024c014c00a00a3009f006b006a00390038ff8500c400c3008800870081"
    "c032c02ec02ac026c00fc005009d003d003500c00084c02fc02bc027c023c013c00900a2009e006700400033"
    "003200be00bd00450044c031c02dc029c025c00ec004009c003c002f00ba0041c012c00800160013c00dc003"
    "000a00ff0100014d00000011000f00000c7777772e6e746f702e6f7267000b000403000102000a003a003800"
    "0e000d0019001c000b000c001b00180009000a001a0016001700080006000700140015000400050012001300"
    "0100020003000f00100011000d00260024060106020603efef050105020503040104020403eeeeeded030103"
    "020303020102020203337400000010000e000c02683208687474702f312e31001500ae000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000";

/* ndpi__443-curl.pcap frame 6, first record only: 107 bytes */
static const char curl_sh_hex[] =
    "16030300660200006203038f72dd2e35dcf5ddf38ae75db855d1610b4db32937cb20cd3187eec12057fb2520"
    "ea8fcd1da8f8635bd5df2a45b603764dd7cfb5f82666ff77fd47635bf9a8f0cbc02f00001aff010001000000"
    "0000000b000403000102001000050003026832";

/* zeek__tls__openjdk-25.0.2-zeek.org.pcap frame 4 (TLS 1.3, zeek.org): 457 bytes */
static const char jdk_ch_hex[] =
    "16030301c4010001c00303a021a50627aaf47999a11177afaf134b1567779546868cdb06d4f4e71b53a6e720"
    "a14023aebdc70f8d832511dd646b823f52c5afb346835af730d498318dcdc5ad003e130213011303c02cc02b"
    "cca9c030cca8c02f009fccaa00a3009e00a2c024c028c023c027006b006a00670040c00ac014c009c0130039"
    "00380033003200ff010001390000000d000b0000087a65656b2e6f7267000500050100000000000a00160014"
    "001d001700180019001e01000101010201030104000b000201000010000e000c02683208687474702f312e31"
    "001100090007020004000000000017000000230000000d002600240403050306030807080808040805080608"
    "09080a080b0401050106010402030303010302002b00050403040303002d000201010032002c002a04030503"
    "0603080708080804080508060809080a080b04010501060104020303030103020203020102020033006b0069"
    "001d0020270663b763d4bc48328b250b6adc6903e1f50b5c38a1b8f7773112439287101800170041043b4fdb"
    "deddcbc7f434455e6f5d3e5ab2c917a7852fb4f652554df46d17f1160e9b0af7153269f74fa7588e876d923e"
    "dac3fee9b8db107fcb6d4d8fa29dfafd58";

/* zeek__tls__openjdk-25.0.2-zeek.org.pcap frame 6, first record only: 127 bytes */
static const char jdk_sh_hex[] =
    "160303007a020000760303391e35cc472a7a67098c6f6831d8a876203b0a93d3464c0da9b3d7deac02d15d20"
    "a14023aebdc70f8d832511dd646b823f52c5afb346835af730d498318dcdc5ad130200002e002b0002030400"
    "330024001d0020cc30adaf1198c54a66db3d3fea75f8289e8133ef6ac6188b13f9e901897d4878";

/* zeek__tls__tls13-ech.pcap frame 7 (ECH, outer SNI cloudflare-ech.com): 517 bytes */
static const char ech_ch_hex[] =
    "1603010200010001fc0303d820986a1fb4dc3a70fac91f1359ff5e320c6a5e07397ab36f8c513be4585f5d20"
    "7c77f968ecbeda040598f47af5265fb5f0f5ef3279f08b43d03c31a57ce0c63000202a2a130113021303c02b"
    "c02fc02cc030cca9cca8c013c014009c009d002f003501000193dada0000ff010001000010000e000c026832"
    "08687474702f312e31000d00120010040308040401050308050501080606010033002b00291a1a000100001d"
    "0020231cb3a7bde0d15d97dfdfc4d315b112899e9480d1dc7a0e739c4058bbe7276d002d0002010144690005"
    "000302683200230000002b0007068a8a03040303000a000a00081a1a001d00170018fe0d00ba0000010001d1"
    "0020cce5c83299bb8dffdb74bafd0a1d524b82973e224c12999beed169ee7a9ad67d00900b7b2dc3b17adb2e"
    "abc1f7fabb61bdd5db777336a9da3679c5373ff69f0087b9453bd3ec42b6d17b1b7d024cd7c4b627d1b0cd3a"
    "e9fbe5422f132187789d6c7f89f29201ff0e64853d3988adb723fff552447ebd087a55422abe568a8dfe4596"
    "a5820f134ec9f192620e4b36776431e14e35a6c9ddbe912359b1bde0d74a062e634eb5ced3063bed83f0b562"
    "f26278030017000000050005010000000000120000000b00020100000000170015000012636c6f7564666c61"
    "72652d6563682e636f6d001b00030200029a9a0001000015000700000000000000";

/* zeek__tls__tls13-ech.pcap frame 9, first record only: 127 bytes */
static const char ech_sh_hex[] =
    "160303007a020000760303cd86afb4bb270220f3b7c330c6fc84b3ada6a00d98b285a5022de6f5ced70efc20"
    "7c77f968ecbeda040598f47af5265fb5f0f5ef3279f08b43d03c31a57ce0c630130100002e002b0002030400"
    "330024001d00200ff6e1452d32666a0036d0071dbfceaddc648e2d5aa6fd1c530c3f15f823271f";

/* arkime__tls-alpn-h2.pcap frame 4 (www.cloudflare.com, ALPN h2): 237 bytes */
static const char h2_ch_hex[] =
    "16030100e8010000e40303858226c04fbaeddef4246093b4cfdab38f9dcfef145360e417686575cac49c7000"
    "005cc030c02cc028c024c014c00a009f006b0039cca9cca8ccaaff8500c400880081009d003d003500c00084"
    "c02fc02bc027c023c013c009009e0067003300be0045009c003c002f00ba0041c011c00700050004c012c008"
    "0016000a00ff0100005f0000001700150000127777772e636c6f7564666c6172652e636f6d000b0002010000"
    "0a00080006001d00170018000d001c001a06010603efef0501050304010403eeeeeded030103030201020300"
    "10000e000c02683208687474702f312e31";

/* arkime__tls-alpn-h2.pcap frame 6, first record only: 105 bytes */
static const char h2_sh_hex[] =
    "16030300640200006003035f0236c07f47bfb12dc2da706ecb3fe7f9eeac9968cc2ddf444f574e4752440120"
    "b89ff1ab695278c69b8a73f76242ef755e0b13dc6d459aaaa784fec9c2dfce34cca900001800000000ff0100"
    "0100000b00020100001000050003026832";

/* ndpi__psiphon3.pcap frame 6 (no SNI): 168 bytes */
static const char psiphon_ch_hex[] =
    "16030100a30100009f0303a1e4460a9aca20f22c76e90f0b970b7fa55eddc355035afa6943e65bb5851bf800"
    "001ec02bc02fcca9cca8c02cc030c00ac009c013c01400330039002f0035000a0100005800170000ff010001"
    "00000a000a0008001d001700180019000b00020100002300000010000e000c02683208687474702f312e3100"
    "0500050100000000000d0018001604030503060308040805080604010501060102030201";

/* ndpi__psiphon3.pcap frame 11, first record only: 77 bytes */
static const char psiphon_sh_hex[] =
    "1603030048020000440303603184561c7f0f8ad74b8cfa000d5b90dfa0fb8d22850fcf2edf7ddec1c7effb00"
    "c02b00001c00170000ff01000100000b0002010000230000001000050003026832";

/* ndpi__1kxun.pcap frame 512 (SNI is an IP literal): 217 bytes */
static const char kxun512_ch_hex[] =
    "16030100d4010000d0030357a0033e0c0a4521506da15926d580f8c47b2f4a5a5a575b0a30f6aa9a9fc46220"
    "63f90d1349ce5584b9a688002a3ceb6e7d004cf10ce2cf441999934579593c78004a00ffc024c023c00ac009"
    "c008c028c027c014c013c012c026c025c005c004c003c02ac029c00fc00ec00d006b0067003900330016003d"
    "003c0035002f000ac007c011c002c00c000500040100003d00000013001100000e3139322e3136382e313135"
    "2e3735000a00080006001700180019000b00020100000d000c000a0501040102010403020333740000";

/* ndpi__1kxun.pcap frame 714: 213 bytes */
static const char kxun714_ch_hex[] =
    "16030100d0010000cc030357a00353258c5fb4a8178a6b4d2d5593cd8c6c92431bf1db6603356a2e1e29af20"
    "63f90d1349ce5584b9a688002a3ceb6e7d004cf10ce2cf441999934579593c78004a00ffc024c023c00ac009"
    "c008c028c027c014c013c012c026c025c005c004c003c02ac029c00fc00ec00d006b0067003900330016003d"
    "003c0035002f000ac007c011c002c00c000500040100003900000013001100000e3139322e3136382e313135"
    "2e3735000a00080006001700180019000b00020100000d000c000a05010401020104030203";

/* ---- helpers ----------------------------------------------------------- */

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    if (n > cap)
        abort();
    for (size_t i = 0; i < n; i++) {
        char byte[3] = {hex[2 * i], hex[2 * i + 1], 0};
        out[i] = (uint8_t)strtoul(byte, NULL, 16);
    }
    return n;
}

/* SNI of the first data row of expected/<file>.sni.tsv, or NULL. */
static const char *tshark_sni(const char *file, char *buf, size_t cap)
{
    const char *shared = getenv("PS_SHARED");
    char path[512], line[512];
    if (!shared)
        return NULL;
    snprintf(path, sizeof path, "%s/pcaps/expected/%s.sni.tsv", shared, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    const char *res = NULL;
    if (fgets(line, sizeof line, f) && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *col = strrchr(line, '\t');
        if (col && strlen(col + 1) < cap) {
            strcpy(buf, col + 1);
            res = buf;
        }
    }
    fclose(f);
    return res;
}

static uint8_t vbuf[8192];

struct ch_case {
    const char *name, *hex, *pcap, *sni;
    enum ps_result result;
};

static void check_sni_against_tshark(const struct tls_hello *h, const char *pcap)
{
    char ref[300];
    if (tshark_sni(pcap, ref, sizeof ref))
        CHECK_STR(h->sni, ref);
    else
        fprintf(stderr, "note: PS_SHARED unset or %s.sni.tsv unreadable; embedded SNI only\n",
                pcap);
}

/* ---- real ClientHellos -------------------------------------------------- */

static void test_curl(void)
{
    struct tls_hello h;
    char ja4[37], ja3[33];
    size_t n = unhex(curl_ch_hex, vbuf, sizeof vbuf);
    CHECK(tls_is_handshake_record(vbuf, n));
    CHECK_INT(tls_parse_record_client_hello(vbuf, n, &h), PS_OK);
    CHECK_STR(h.sni, "www.ntop.org");
    CHECK_INT(h.sni_len, 12);
    check_sni_against_tshark(&h, "ndpi__443-curl.pcap");
    CHECK_INT(h.record_version, 0x0301);
    CHECK_INT(h.legacy_version, 0x0303);
    CHECK_INT(h.supported_version, 0);
    CHECK_INT(h.n_alpn, 2); /* nDPI: (Advertised) ALPNs: h2;http/1.1 */
    CHECK_STR(h.alpn[0], "h2");
    CHECK_STR(h.alpn[1], "http/1.1");
    CHECK_INT(h.n_ciphers, 67);
    CHECK_INT(h.n_extensions, 7);
    CHECK_INT(h.extensions[0], 0x0000);
    CHECK_INT(h.extensions[6], 0x0015);
    CHECK(h.flags & TLS_HELLO_HAS_SNI_EXT);
    CHECK(!(h.flags & TLS_HELLO_MULTI_RECORD));
    tls_ja4(&h, false, ja4);
    tls_ja3(&h, ja3);
    CHECK_STR(ja4, "t12d6707h2_2955a3196ffa_c83f907a73d3"); /* nDPI */
    CHECK_STR(ja3, "2a26b1a62e40d25d4de3babc9d532f30");     /* nDPI JA3C */
    /* The same message without the record header: bare-message parser. */
    struct tls_hello b;
    CHECK_INT(tls_parse_client_hello_msg(vbuf + 5, n - 5, &b), PS_OK);
    CHECK_INT(b.record_version, 0);
    b.record_version = h.record_version;
    CHECK(memcmp(&b, &h, sizeof h) == 0);
}

static void test_jdk_tls13(void)
{
    struct tls_hello h;
    char ja4[37];
    size_t n = unhex(jdk_ch_hex, vbuf, sizeof vbuf);
    CHECK_INT(tls_parse_record_client_hello(vbuf, n, &h), PS_OK);
    CHECK_STR(h.sni, "zeek.org");
    check_sni_against_tshark(&h, "zeek__tls__openjdk-25.0.2-zeek.org.pcap");
    CHECK_INT(h.record_version, 0x0303);
    CHECK_INT(h.supported_version, 0x0304);
    CHECK(h.flags & TLS_HELLO_HAS_SUPP_VERS);
    CHECK_INT(h.n_ciphers, 31);
    CHECK_INT(h.n_extensions, 13);
    /* signature_algorithms only (18), not signature_algorithms_cert (0x0032). */
    CHECK_INT(h.n_sig_algs, 18);
    tls_ja4(&h, false, ja4);
    CHECK_STR(ja4, "t13d3113h2_1d947a95fc68_7e1102d2036b");
}

static void test_ech(void)
{
    struct tls_hello h;
    char ja4[37], ja3[33];
    size_t n = unhex(ech_ch_hex, vbuf, sizeof vbuf);
    CHECK_INT(tls_parse_record_client_hello(vbuf, n, &h), PS_OK);
    CHECK_STR(h.sni, "cloudflare-ech.com"); /* outer SNI, as tshark and Zeek show */
    check_sni_against_tshark(&h, "zeek__tls__tls13-ech.pcap");
    CHECK(h.flags & TLS_HELLO_HAS_ECH);
    CHECK_INT(h.supported_version, 0x0304);
    CHECK_INT(h.n_ciphers, 15); /* GREASE dropped */
    CHECK_INT(h.n_extensions, 17);
    tls_ja4(&h, false, ja4);
    tls_ja3(&h, ja3);
    /* Chrome-family cipher hash 8daaf6152771 is FoxIO's published example. */
    CHECK_STR(ja4, "t13d1517h2_8daaf6152771_b1ff8ab2d16f");
    CHECK_STR(ja3, "2fcbf8655473005933c5869b2b5d8044");
    for (size_t i = 0; i < h.n_ciphers; i++)
        CHECK(!tls_is_grease(h.ciphers[i]));
    for (size_t i = 0; i < h.n_extensions; i++)
        CHECK(!tls_is_grease(h.extensions[i]));
}

static void test_alpn_h2(void)
{
    struct tls_hello h;
    char ja4[37];
    size_t n = unhex(h2_ch_hex, vbuf, sizeof vbuf);
    CHECK_INT(tls_parse_record_client_hello(vbuf, n, &h), PS_OK);
    CHECK_STR(h.sni, "www.cloudflare.com");
    check_sni_against_tshark(&h, "arkime__tls-alpn-h2.pcap");
    CHECK(h.flags & TLS_HELLO_HAS_ALPN_EXT);
    CHECK(h.n_alpn >= 1);
    CHECK_STR(h.alpn[0], "h2");
    CHECK_INT(h.alpn_len[0], 2);
    tls_ja4(&h, false, ja4);
    CHECK_STR(ja4, "t12d4605h2_85626a9a5f7f_aaf95bb78ec9");
}

static void test_no_sni(void)
{
    struct tls_hello h;
    char ja4[37], ja3[33];
    size_t n = unhex(psiphon_ch_hex, vbuf, sizeof vbuf);
    CHECK_INT(tls_parse_record_client_hello(vbuf, n, &h), PS_OK);
    CHECK_STR(h.sni, ""); /* tshark has no .sni.tsv for this capture */
    CHECK_INT(h.sni_len, 0);
    CHECK(!(h.flags & TLS_HELLO_HAS_SNI_EXT));
    tls_ja4(&h, false, ja4);
    tls_ja3(&h, ja3);
    CHECK_STR(ja3, "2d703033628575a99d44820c43b84876");       /* nDPI */
    CHECK_STR(ja4 + 10, "_073e58a039a6_e70312a1ce2c");          /* nDPI b, c */
    CHECK_STR(ja4, "t12i1508h2_073e58a039a6_e70312a1ce2c");    /* FoxIO: no SNI -> i */
}

static void test_ip_sni(void)
{
    struct tls_hello h;
    char ja4[37], ja3[33];
    size_t n = unhex(kxun512_ch_hex, vbuf, sizeof vbuf);
    CHECK_INT(tls_parse_record_client_hello(vbuf, n, &h), PS_OK);
    CHECK_STR(h.sni, "192.168.115.75");
    check_sni_against_tshark(&h, "ndpi__1kxun.pcap");
    CHECK_INT(h.n_alpn, 0);
    tls_ja4(&h, false, ja4);
    tls_ja3(&h, ja3);
    CHECK_STR(ja3, "799135475da362592a4be9199d258726");
    CHECK_STR(ja4 + 10, "_07a749158664_d075105c1994");
    CHECK_STR(ja4, "t12d370500_07a749158664_d075105c1994");

    n = unhex(kxun714_ch_hex, vbuf, sizeof vbuf);
    CHECK_INT(tls_parse_record_client_hello(vbuf, n, &h), PS_OK);
    tls_ja4(&h, false, ja4);
    tls_ja3(&h, ja3);
    CHECK_STR(ja3, "618ee2509ef52bf0b8216e1564eea909");
    CHECK_STR(ja4, "t12d370400_07a749158664_e64f6000bf4d");
}

/* ---- ServerHello ---------------------------------------------------------- */

static void test_server_hellos(void)
{
    struct tls_server_hello sh;
    size_t n = unhex(curl_sh_hex, vbuf, sizeof vbuf);
    CHECK_INT(tls_parse_server_hello(vbuf, n, &sh), PS_OK);
    CHECK_INT(sh.version, 0x0303);
    CHECK_STR(tls_version_name(sh.version), "TLSv12");
    CHECK_INT(sh.cipher, 0xc02f); /* nDPI: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
    CHECK_STR(sh.alpn, "h2");     /* nDPI: (Negotiated) ALPN: h2 */
    CHECK(!sh.hello_retry_request);

    n = unhex(jdk_sh_hex, vbuf, sizeof vbuf);
    CHECK_INT(tls_parse_server_hello(vbuf, n, &sh), PS_OK);
    CHECK_INT(sh.legacy_version, 0x0303);
    CHECK_INT(sh.selected_version, 0x0304);
    CHECK_STR(tls_version_name(sh.version), "TLSv13");
    CHECK_INT(sh.cipher, 0x1302);

    n = unhex(ech_sh_hex, vbuf, sizeof vbuf);
    CHECK_INT(tls_parse_server_hello(vbuf, n, &sh), PS_OK);
    CHECK_STR(tls_version_name(sh.version), "TLSv13"); /* Zeek ssl.log */
    CHECK_INT(sh.cipher, 0x1301);                       /* TLS_AES_128_GCM_SHA256 */

    n = unhex(h2_sh_hex, vbuf, sizeof vbuf);
    CHECK_INT(tls_parse_server_hello(vbuf, n, &sh), PS_OK);
    CHECK_STR(sh.alpn, "h2");
    CHECK_INT(sh.cipher, 0xcca9);

    n = unhex(psiphon_sh_hex, vbuf, sizeof vbuf);
    CHECK_INT(tls_parse_server_hello(vbuf, n, &sh), PS_OK);
    CHECK_INT(sh.cipher, 0xc02b); /* nDPI: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */

    /* Wrong direction: each parser refuses the other's message. */
    struct tls_hello h;
    CHECK_INT(tls_parse_record_client_hello(vbuf, n, &h), PS_INVALID);
    n = unhex(curl_ch_hex, vbuf, sizeof vbuf);
    CHECK_INT(tls_parse_server_hello(vbuf, n, &sh), PS_INVALID);
}

static void test_names_and_predicates(void)
{
    CHECK_STR(tls_version_name(0x0300), "SSLv3");
    CHECK_STR(tls_version_name(0x0301), "TLSv10");
    CHECK_STR(tls_version_name(0x0302), "TLSv11");
    CHECK_STR(tls_version_name(0x0303), "TLSv12");
    CHECK_STR(tls_version_name(0x0304), "TLSv13");
    CHECK_STR(tls_version_name(0x7f1c), "unknown");
    int grease = 0;
    for (unsigned v = 0; v <= 0xffff; v++)
        grease += tls_is_grease((uint16_t)v);
    CHECK_INT(grease, 16);
    CHECK(tls_is_grease(0x0a0a) && tls_is_grease(0xfafa) && !tls_is_grease(0x0a1a));

    static const uint8_t appdata[] = {23, 3, 3, 0, 10};
    static const uint8_t bad_len[] = {22, 3, 1, 0x48, 0x01};
    static const uint8_t ssl2[] = {0x80, 0x2e, 0x01, 0x00, 0x02};
    static const uint8_t ok[] = {22, 3, 1, 0, 1};
    CHECK(!tls_is_handshake_record(appdata, sizeof appdata));
    CHECK(!tls_is_handshake_record(bad_len, sizeof bad_len));
    CHECK(!tls_is_handshake_record(ssl2, sizeof ssl2));
    CHECK(tls_is_handshake_record(ok, sizeof ok));
    CHECK(!tls_is_handshake_record(ok, 4));
    CHECK(!tls_is_handshake_record(NULL, 0));
}

/* ---- JA4/JA3 from published examples ------------------------------------- */

static void foxio_example(struct tls_hello *h)
{
    static const uint16_t ciphers[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                       0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                                       0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
    static const uint16_t exts[] = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
                                    0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015};
    static const uint16_t sigs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
    memset(h, 0, sizeof *h);
    h->legacy_version = 0x0303;
    h->supported_version = 0x0304;
    h->flags = TLS_HELLO_HAS_SNI_EXT | TLS_HELLO_HAS_ALPN_EXT;
    memcpy(h->ciphers, ciphers, sizeof ciphers);
    h->n_ciphers = sizeof ciphers / 2;
    memcpy(h->extensions, exts, sizeof exts);
    h->n_extensions = sizeof exts / 2;
    memcpy(h->sig_algs, sigs, sizeof sigs);
    h->n_sig_algs = sizeof sigs / 2;
    strcpy(h->alpn[0], "h2");
    h->alpn_len[0] = 2;
    h->n_alpn = 1;
    h->alpn0_full_len = 2;
    h->alpn0_last = '2';
}

static void set_alpn(struct tls_hello *h, const uint8_t *v, size_t n)
{
    memcpy(h->alpn[0], v, n);
    h->alpn[0][n] = '\0';
    h->alpn_len[0] = (uint8_t)n;
    h->alpn0_full_len = (uint8_t)n;
    h->alpn0_last = n ? v[n - 1] : 0;
    h->n_alpn = 1;
}

static void test_ja4_spec(void)
{
    struct tls_hello h;
    char ja4[37];
    foxio_example(&h);
    tls_ja4(&h, false, ja4);
    CHECK_STR(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    tls_ja4(&h, true, ja4);
    CHECK_STR(ja4, "q13d1516h2_8daaf6152771_e5627efa2ab1");
    h.n_sig_algs = 0; /* "ends without an underscore" example */
    tls_ja4(&h, false, ja4);
    CHECK_STR(ja4 + 24, "6d807ffa2a79");

    /* ALPN rules of JA4.md, including its hex examples. */
    foxio_example(&h);
    set_alpn(&h, (const uint8_t *)"http/1.1", 8);
    tls_ja4(&h, false, ja4);
    CHECK(strncmp(ja4 + 8, "h1", 2) == 0);
    set_alpn(&h, (const uint8_t *)"x", 1);
    tls_ja4(&h, false, ja4);
    CHECK(strncmp(ja4 + 8, "xx", 2) == 0);
    static const struct { uint8_t v[4]; size_t n; const char *out; } hexcases[] = {
        {{0xab}, 1, "ab"}, {{0xab, 0xcd}, 2, "ad"}, {{0x30, 0xab}, 2, "3b"},
        {{0x30, 0x31, 0xab, 0xcd}, 4, "3d"}, {{0x30, 0xab, 0xcd, 0x31}, 4, "01"}};
    for (size_t i = 0; i < sizeof hexcases / sizeof hexcases[0]; i++) {
        set_alpn(&h, hexcases[i].v, hexcases[i].n);
        tls_ja4(&h, false, ja4);
        CHECK(strncmp(ja4 + 8, hexcases[i].out, 2) == 0);
    }
    set_alpn(&h, (const uint8_t *)"", 0);
    tls_ja4(&h, false, ja4);
    CHECK(strncmp(ja4 + 8, "00", 2) == 0);
    h.n_alpn = 0;
    tls_ja4(&h, false, ja4);
    CHECK(strncmp(ja4 + 8, "00", 2) == 0);

    /* Version codes, SNI letter, counts capped at 99, empty lists. */
    foxio_example(&h);
    h.supported_version = 0;
    h.legacy_version = 0x0300;
    h.flags = 0;
    h.n_ciphers = 0;
    h.n_extensions = 0;
    tls_ja4(&h, false, ja4);
    CHECK_STR(ja4, "ts3i0000h2_000000000000_000000000000");
    h.legacy_version = 0x1234;
    for (int i = 0; i < 120; i++)
        h.ciphers[i] = (uint16_t)(i + 1);
    h.n_ciphers = 120;
    tls_ja4(&h, false, ja4);
    CHECK(strncmp(ja4, "t00i9900", 8) == 0);
    CHECK_INT(strlen(ja4), 36);
}

static void test_ja3_spec(void)
{
    /* Salesforce JA3 README:
     * "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0" */
    static const uint16_t ciphers[] = {47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4};
    struct tls_hello h;
    char ja3[33];
    memset(&h, 0, sizeof h);
    h.legacy_version = 769;
    memcpy(h.ciphers, ciphers, sizeof ciphers);
    h.n_ciphers = sizeof ciphers / 2;
    h.extensions[0] = 0, h.extensions[1] = 10, h.extensions[2] = 11, h.n_extensions = 3;
    h.groups[0] = 23, h.groups[1] = 24, h.groups[2] = 25, h.n_groups = 3;
    h.ec_point_formats[0] = 0, h.n_ec_point_formats = 1;
    tls_ja3(&h, ja3);
    CHECK_STR(ja3, "ada70206e40642a3e4461f35503241d5");
    /* "769,4-5-10-9-100-98-3-6-19-18-99,,," (no extensions) */
    static const uint16_t c2[] = {4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99};
    memset(&h, 0, sizeof h);
    h.legacy_version = 769;
    memcpy(h.ciphers, c2, sizeof c2);
    h.n_ciphers = sizeof c2 / 2;
    tls_ja3(&h, ja3);
    CHECK_STR(ja3, "de350869b8c85de67a350c8d186f11e6");
}

/* ---- synthetic hellos for caps and malformations -------------------------- */

struct bld {
    uint8_t b[4096];
    size_t n;
};
static void put8(struct bld *x, unsigned v) { x->b[x->n++] = (uint8_t)v; }
static void put16(struct bld *x, unsigned v) { put8(x, v >> 8); put8(x, v); }
static void put24(struct bld *x, unsigned v) { put8(x, v >> 16); put16(x, v & 0xffff); }
static void putn(struct bld *x, const void *p, size_t n) { memcpy(x->b + x->n, p, n); x->n += n; }
static void patch16(struct bld *x, size_t at, size_t v)
{
    x->b[at] = (uint8_t)(v >> 8);
    x->b[at + 1] = (uint8_t)v;
}

/* A ClientHello message (handshake header included) around an extension
 * block; ciphers are GREASE 0x2a2a, 0x1301, 0x1302. */
static size_t make_hello(const struct bld *ext, uint8_t *out)
{
    static struct bld m;
    m.n = 0;
    put8(&m, 1);
    put24(&m, 0);
    put16(&m, 0x0303);
    for (int i = 0; i < 32; i++)
        put8(&m, i);
    put8(&m, 0);
    put16(&m, 6), put16(&m, 0x2a2a), put16(&m, 0x1301), put16(&m, 0x1302);
    put8(&m, 1), put8(&m, 0);
    if (ext) {
        put16(&m, ext->n);
        putn(&m, ext->b, ext->n);
    }
    size_t body = m.n - 4;
    m.b[1] = (uint8_t)(body >> 16), m.b[2] = (uint8_t)(body >> 8), m.b[3] = (uint8_t)body;
    memcpy(out, m.b, m.n);
    return m.n;
}

static void test_synthetic(void)
{
    static struct bld e;
    struct tls_hello h;
    char ja4[37];
    size_t n;

    /* No extensions at all (legal before TLS 1.3). */
    n = make_hello(NULL, vbuf);
    CHECK_INT(tls_parse_client_hello_msg(vbuf, n, &h), PS_OK);
    CHECK_INT(h.n_ciphers, 2);
    tls_ja4(&h, false, ja4);
    CHECK(strncmp(ja4, "t12i020000_", 11) == 0);
    CHECK_STR(ja4 + 24, "000000000000");

    /* SNI of 300 bytes is cut to PS_MAX_SNI; GREASE extension skipped;
     * supported_versions with GREASE picks 0x0304. */
    e.n = 0;
    put16(&e, 0x3a3a), put16(&e, 0);
    put16(&e, 0x0000), put16(&e, 2 + 3 + 300), put16(&e, 3 + 300), put8(&e, 0), put16(&e, 300);
    for (int i = 0; i < 300; i++)
        put8(&e, 'a' + i % 26);
    put16(&e, 0x002b), put16(&e, 7), put8(&e, 6), put16(&e, 0x7a7a), put16(&e, 0x0304),
        put16(&e, 0x0303);
    n = make_hello(&e, vbuf);
    CHECK_INT(tls_parse_client_hello_msg(vbuf, n, &h), PS_OK);
    CHECK_INT(h.sni_len, PS_MAX_SNI);
    CHECK_INT(strlen(h.sni), PS_MAX_SNI);
    CHECK(h.flags & TLS_HELLO_SNI_TRUNCATED);
    CHECK_INT(h.n_extensions, 2);
    CHECK_INT(h.supported_version, 0x0304);

    /* ALPN: ten names, the first 40 bytes long "x...xz". */
    e.n = 0;
    put16(&e, 0x0010);
    size_t len_at = e.n;
    put16(&e, 0), put16(&e, 0);
    put8(&e, 40);
    for (int i = 0; i < 39; i++)
        put8(&e, 'x');
    put8(&e, 'z');
    for (int i = 0; i < 9; i++)
        put8(&e, 2), put8(&e, 'h'), put8(&e, '0' + i);
    patch16(&e, len_at, e.n - len_at - 2);
    patch16(&e, len_at + 2, e.n - len_at - 4);
    n = make_hello(&e, vbuf);
    CHECK_INT(tls_parse_client_hello_msg(vbuf, n, &h), PS_OK);
    CHECK_INT(h.n_alpn, PS_MAX_ALPN);
    CHECK_INT(h.alpn_len[0], 31);
    CHECK_INT(strlen(h.alpn[0]), 31);
    CHECK(h.flags & TLS_HELLO_ALPN_TRUNCATED);
    CHECK_STR(h.alpn[1], "h0");
    tls_ja4(&h, false, ja4);
    CHECK(strncmp(ja4 + 8, "xz", 2) == 0);

    /* supported_groups twice, 60 entries each: the list stops at its cap. */
    e.n = 0;
    for (int k = 0; k < 2; k++) {
        put16(&e, 0x000a), put16(&e, 2 + 120), put16(&e, 120);
        for (int i = 0; i < 60; i++)
            put16(&e, 0x0100 + i);
    }
    n = make_hello(&e, vbuf);
    CHECK_INT(tls_parse_client_hello_msg(vbuf, n, &h), PS_OK);
    CHECK_INT(h.n_groups, PS_MAX_TLS_GROUPS);
    CHECK(h.flags & TLS_HELLO_LIST_CAPPED);

    /* More extensions than PS_MAX_TLS_EXTENSIONS: walk stops, flagged. */
    e.n = 0;
    for (int i = 0; i < PS_MAX_TLS_EXTENSIONS + 10; i++)
        put16(&e, 0x1000 + i), put16(&e, 0);
    n = make_hello(&e, vbuf);
    CHECK_INT(tls_parse_client_hello_msg(vbuf, n, &h), PS_OK);
    CHECK_INT(h.n_extensions, PS_MAX_TLS_EXTENSIONS);
    CHECK(h.flags & TLS_HELLO_LIST_CAPPED);

    /* A bad SNI body spoils SNI only: the ALPN after it is still read. */
    e.n = 0;
    put16(&e, 0x0000), put16(&e, 5), put16(&e, 50), put8(&e, 0), put16(&e, 1);
    put16(&e, 0x0010), put16(&e, 5), put16(&e, 3), put8(&e, 2), put8(&e, 'h'), put8(&e, '3');
    n = make_hello(&e, vbuf);
    CHECK_INT(tls_parse_client_hello_msg(vbuf, n, &h), PS_INVALID);
    CHECK_STR(h.alpn[0], "h3");
    CHECK(h.flags & TLS_HELLO_HAS_SNI_EXT);

    /* Extension length running past the block: invalid. */
    e.n = 0;
    put16(&e, 0x0017), put16(&e, 9);
    n = make_hello(&e, vbuf);
    CHECK_INT(tls_parse_client_hello_msg(vbuf, n, &h), PS_INVALID);

    /* session_id longer than 32, odd cipher length: invalid. */
    n = make_hello(NULL, vbuf);
    vbuf[38] = 33;
    CHECK_INT(tls_parse_client_hello_msg(vbuf, n, &h), PS_INVALID);
    n = make_hello(NULL, vbuf);
    vbuf[40] = 5;
    CHECK_INT(tls_parse_client_hello_msg(vbuf, n, &h), PS_INVALID);

    /* A declared message longer than PS_MAX_TLS_HELLO_BYTES: invalid, not
     * "truncated" (a caller must not buffer 16 MB for it). */
    static const uint8_t huge[] = {1, 0xff, 0xff, 0xff, 3, 3};
    CHECK_INT(tls_parse_client_hello_msg(huge, sizeof huge, &h), PS_INVALID);
    static const uint8_t huge_rec[] = {22, 3, 1, 0x40, 0x00, 1, 0x01, 0x00, 0x00};
    CHECK_INT(tls_parse_record_client_hello(huge_rec, sizeof huge_rec, &h), PS_INVALID);
}

/* ---- records -------------------------------------------------------------- */

/* Re-frames the curl ClientHello into records cut at the given message
 * offsets (the 4-byte handshake header itself may be split). */
static size_t split_records(const uint8_t *msg, size_t mlen, const size_t *cuts, size_t ncuts,
                            uint8_t *out)
{
    size_t o = 0, from = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : mlen;
        out[o++] = 22, out[o++] = 3, out[o++] = 1;
        out[o++] = (uint8_t)((to - from) >> 8), out[o++] = (uint8_t)(to - from);
        memcpy(out + o, msg + from, to - from);
        o += to - from;
        from = to;
    }
    return o;
}

static void test_multi_record(void)
{
    static uint8_t msg[1024], rec[2048];
    struct tls_hello one, h;
    char a[37], b[37];
    size_t n = unhex(curl_ch_hex, vbuf, sizeof vbuf);
    CHECK_INT(tls_parse_record_client_hello(vbuf, n, &one), PS_OK);
    size_t mlen = n - 5;
    memcpy(msg, vbuf + 5, mlen);

    static const size_t cuts_a[] = {100, 102, 300};
    static const size_t cuts_b[] = {2}; /* header split 2 + 2 */
    static const size_t cuts_c[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
    const size_t *cuts[] = {cuts_a, cuts_b, cuts_c};
    const size_t ncuts[] = {3, 1, 14};
    tls_ja4(&one, false, a);
    for (int k = 0; k < 3; k++) {
        size_t rn = split_records(msg, mlen, cuts[k], ncuts[k], rec);
        enum ps_result r = tls_parse_record_client_hello(rec, rn, &h);
        if (ncuts[k] + 1 > PS_MAX_TLS_HELLO_RECORDS) {
            CHECK_INT(r, PS_INVALID);
            continue;
        }
        CHECK_INT(r, PS_OK);
        CHECK(h.flags & TLS_HELLO_MULTI_RECORD);
        CHECK_STR(h.sni, "www.ntop.org");
        tls_ja4(&h, false, b);
        CHECK_STR(b, a);
        /* Every shorter prefix asks for more bytes. */
        int bad = 0;
        for (size_t len = 0; len < rn; len++)
            bad += tls_parse_record_client_hello(rec, len, &h) != PS_TRUNCATED;
        CHECK_INT(bad, 0);
    }

    /* A non-handshake record in the middle is invalid. */
    size_t rn = split_records(msg, mlen, cuts_a, 3, rec);
    rec[5 + 100] = 23;
    CHECK_INT(tls_parse_record_client_hello(rec, rn, &h), PS_INVALID);

    /* A record longer than the payload at hand, message inside what we
     * have: parsed from the bytes present (ServerHello followed by a
     * Certificate in one record is the common server case). */
    memcpy(rec, vbuf, n);
    rec[3] = 0x10, rec[4] = 0x00; /* claim 4096 bytes */
    CHECK_INT(tls_parse_record_client_hello(rec, n, &h), PS_OK);
    CHECK_STR(h.sni, "www.ntop.org");
}

/* Every prefix of every real vector: record and bare parsers say
 * PS_TRUNCATED (never OK, never a crash under ASan); then a byte-flip sweep
 * where any outcome is fine but the sanitizers must stay quiet. */
static void test_sweeps(void)
{
    static const struct { const char *hex; bool server; } all[] = {
        {curl_ch_hex, false}, {jdk_ch_hex, false}, {ech_ch_hex, false}, {h2_ch_hex, false},
        {psiphon_ch_hex, false}, {kxun512_ch_hex, false}, {kxun714_ch_hex, false},
        {curl_sh_hex, true}, {jdk_sh_hex, true}, {ech_sh_hex, true}, {h2_sh_hex, true},
        {psiphon_sh_hex, true}};
    static uint8_t copy[8192];
    struct tls_hello h;
    struct tls_server_hello sh;
    char ja4[37], ja3[33];
    for (size_t v = 0; v < sizeof all / sizeof all[0]; v++) {
        size_t n = unhex(all[v].hex, vbuf, sizeof vbuf);
        int not_trunc = 0, bare_not_trunc = 0;
        for (size_t len = 0; len < n; len++) {
            /* a private copy of exactly len bytes so ASan sees any overread */
            uint8_t *p = malloc(len ? len : 1);
            memcpy(p, vbuf, len);
            enum ps_result r = all[v].server ? tls_parse_server_hello(p, len, &sh)
                                             : tls_parse_record_client_hello(p, len, &h);
            not_trunc += r != PS_TRUNCATED;
            if (len >= 5) {
                r = all[v].server ? tls_parse_server_hello_msg(p + 5, len - 5, &sh)
                                  : tls_parse_client_hello_msg(p + 5, len - 5, &h);
                bare_not_trunc += r != PS_TRUNCATED;
            }
            if (!all[v].server) {
                tls_ja4(&h, false, ja4);
                tls_ja3(&h, ja3);
            }
            free(p);
        }
        CHECK_INT(not_trunc, 0);
        CHECK_INT(bare_not_trunc, 0);

        for (size_t i = 0; i < n; i++) {
            for (int m = 0; m < 3; m++) {
                memcpy(copy, vbuf, n);
                copy[i] = m == 0 ? (uint8_t)~copy[i] : m == 1 ? 0x00 : 0xff;
                if (all[v].server) {
                    tls_parse_server_hello(copy, n, &sh);
                } else {
                    tls_parse_record_client_hello(copy, n, &h);
                    tls_ja4(&h, false, ja4);
                    tls_ja3(&h, ja3);
                    CHECK(h.n_ciphers <= PS_MAX_TLS_CIPHERS && h.sni_len <= PS_MAX_SNI);
                }
            }
        }
    }
}

UNIT_MAIN({
    test_curl();
    test_jdk_tls13();
    test_ech();
    test_alpn_h2();
    test_no_sni();
    test_ip_sni();
    test_server_hellos();
    test_names_and_predicates();
    test_ja4_spec();
    test_ja3_spec();
    test_synthetic();
    test_multi_record();
    test_sweeps();
})
