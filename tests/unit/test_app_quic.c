/* test_app_quic.c - QUIC client Initial decryption and ClientHello.
 *
 * References:
 *   - RFC 9001 Appendix A.1/A.2 and RFC 9369 Appendix A.1/A.2: key
 *     schedule, header protection mask, and the protected bytes of the
 *     sample client Initial (rebuilt here from the RFC's plaintext with
 *     OpenSSL and compared with the RFC's published bytes);
 *   - real datagrams taken with
 *       tshark -r /work/shared/pcaps/<file> -Y 'frame.number==N' -T fields -e udp.payload
 *     checked against tshark's SNI (expected/<file>.sni.tsv) and Zeek's
 *     quic.log (DCID, ALPN h3). The Chrome JA4/JA3 values were cross-checked
 *     against a computation from tshark's own dissection of the same
 *     ClientHello (cipher/extension/sigalg fields), not against a JA4 tool. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "app_quic.h"
#include "unit.h"

/* zeek__quic__chromium-115.0.5790.110-api-cirrus-com.pcap frame 1: UDP payload,
 * 1250 bytes (Chrome 115, nine CRYPTO frames out of order) */
static const char cirrus_hex[] =
    "c0000000010895412c47018cdfe8004046006e2385e694b43534cc4506131c629fc029f854dad8927dbf2545"
    "a59d323e2d507b2bad115094ecccaa094e76cb0782e728d7cd8153197fe90e58048434b9b3a16cd4581ddf44"
    "89d7ba28eea7972516afab349ac3886fbd6c060b11021ea4218be2963df82cb9298c8094e9fe22d3b9c93ca3"
    "9e13d88a550f8a364f6b7207cbdf854c692922857793d8b942bf08e0ff79140c9156f10acb0505b154ce4ce2"
    "b2b1ef4dc7bf55bfa59da71008bef7926851e9e43d25c025287fe4e43064eb21bea4740827e6aea6a2a2e576"
    "328cf7dd7099a6b1cb13f80515cf34dc11953bceff3058b3d0185db75cf8ac4856cccc6c523be67edd515a90"
    "521994ae829430b2300111a1ca12d74caed8ac0c42c1b42f12ee95e8edf905a3feaae08087c7ddedfd01c079"
    "ba4e73c8c46b67fad96bf49d2355c2f98a19832e3ce981d8fb8019bd3769b6ccafbcc75b8eeff0b75a304ccf"
    "2b5215a3c1b47df45ae3ce613773390017e19705e96e198fb4365ec07cac463214e38c5d7b43861200dd760b"
    "af3508f47b1ed3ef6e6041943a5a8f8384ec7ab84364c118b774f23d48640051236f7b465399b982e5aa793e"
    "72bb76c40ec762682caa658967dad360b551cadcf3dce30fbb798d40e844a7de1125c5610b190c40dab8455f"
    "7fe41a3716b30754697e1aa522ce1b5f9f4b23487ae43739ed6059881d8a6fa5dc07c0a0de85b766626ea551"
    "72d8330719228e44e0e7ba876890f0b2f10752efc2a6a035f0222967c24929148086604350fffa795aa20430"
    "3385c8bbb31a780b87550f3ed6643d8ca6fe87eb2cedd34d148e01f36475595f21db340cfac48a6dac342310"
    "c107fdc9446f0439d65e20c692ddd4385a053bb11330bc9d144300d87a7ba2c7c32ef2437d6580df2ea3b0f8"
    "beba4fd541c0c9f0c597fb9386291780bcc69a45e9c1079f55840e552234133882677a430d75d1e48b404975"
    "c7abdf3eb76eeebb73d3af9962b45b5071c3096c73a3e90e2c563b7cccb53e95686bbc61db2a5f722d8cbd5d"
    "960f29d511c71ab6aa6db57b14218ebbca305a4fff4a050473a3dde6d6a822f238a168df69f4b612b68d7f7d"
    "bd80e0ba46be41a91ab062525bbd310af8b54830f2571782b565b6cf9de46efbf0c0a812d211a2095d51af57"
    "89ccbc42509f9af182e74aa833897f0665a881cef92692f6a59fd183b67c63f8b1f4765a6a7cbfd6a7126ed6"
    "d198923b5ba945337d09653108efe3ab9a4ab77709e196bd4ea5eb5ebcd50c6acd1b12428977e563fc709292"
    "69d5339ae66ac2d8d4101e73b313ae29736b614c31dc62f047be12c52b4f3ea96275c7cfd3e4089ed37188be"
    "7ece4d94f417b224663d59071779e0e3ae13ad7a6d8bb6f197993de6182571750470b2385dc4a6fee2b4f940"
    "8053edc24407b5d4ca1c8d2b246ddb69a45c20c4d43f2129554be3d45d542f8127abe81160f0b46f5ce22c13"
    "f59b37e0cbb3f36e765f56bc73ce174f1bbebc46a161aaed714a309245f73de0c5f9beea5201da0a912b30ed"
    "0212efe108e18595c56695c07a6934a12b9916dce3ebcd8b690e2dd7eca1a4d9612c4e513dda1dd36876b49f"
    "c9808b455d3541988706788c2788011cfd0e0e08251c7ebd4cdff0f0fb06be319bd35c7922477d53d32e8c18"
    "3880c74eb76d609220df6fd27ea0651589e749ad4e01420ebcc2f3752cbf4a5cb9391156c5ce6114d1739b5c"
    "a4f1c2eeb49f544ffe31456c994584d2bd4b";

/* tcpdump__quic_handshake.pcap frame 1 (SNI localhost): UDP payload, 1200 bytes */
static const char localhost_hex[] =
    "ce000000010884acac06b42ed8630000449ebf8dec1e22ec03288f864b16495bb4066dd39e91a28dc24c849f"
    "f6bb10613ff92425df673d1726868f1090d9084acf1d8db6b8725bdcc4818a5023efc85d8945017f9c76cf77"
    "a5358df16b26a194e779f4577fa35da54b59275c0617e944c87b5cadfb490d093106de2ca46a72a010d168a1"
    "d7ff6dd0a3bc1939b4ceb2f17c1ea28c9952d3ac6a333cd074ccad9f23e87e170850a9335c9a39c820ed1def"
    "71594e0a2bd4ba9a784649837e159ef10a3d09c71f48ad019595a18df80f3ee2f8a4518048f155186a644275"
    "c0d752d5c83119d81efe2aa1ca42f320f2aaa0fb81c151a203baf7503446ec81fd2dba5c4e938eede854fa82"
    "760b123794f01aa0c3ee07f01b8cada568f6320fd6c7a5470f4756f20d01363c0b390a51f0fa189b1f815f76"
    "e9904c8879e936105f270f0d077adceec66ee4931d35581e7c15eae2749e30e63f0a83ace583f3daf1f908ed"
    "341af4b87dfa924c32a3fb41c0201345b4ebae0d8d46403b77d01b5ff148898429cf9f4ebcd56534707ff191"
    "662269547ab693b9ac4697ffe9d5add7164d72f75feacdc3f290dfccbaff9f732b6683df4cf32b984e25acd1"
    "d4a01dcc07e8cfeb1209096696a7774ffdd90e4b268bbc35fc8d6c9d5319e8330ee582a52549887758a00684"
    "fd6bd3be1b6ce3b32ef5e3c7a53752f9a001b4feacff49c70876b27a281e06c404ed4e5f96724bbed6078019"
    "1cdfc28e55b977d798257e20b7a96870166f1fca00db81eef6fbc146415519130620d35bafd10ddbf0a9143b"
    "addbd4f612eb55eb3ec11d9587547a2c583d58123b6cbdf1133eeb1612be437b15eb61ea7f02d0a80bd106ae"
    "86fd954ae28c6728b84344add305007661bd7267cc3340cd2abc90056cd0e38f43440ec219c231cf4cca7f1a"
    "027967328d8d8ecb8034c7f2a7a438d3a9070e5cbf25eb31a3b2bb0983b804c840d9b989f7e6a15d3cdf45ab"
    "fd289bb103b8f9235574c8648f63a2efbaba87d4bb635d409681e0cdc0a375ff1e154806fa72c1ebc278650d"
    "d9e911f70ef92bc0b54a5acb49fe2be0708f862d82b8b88fabc4e77a2149f942e79473075378c3c7d5068013"
    "a6bd45f816ead829f48ffcd07dfc1df693c1f0fbdb0a4ec63a019b5f7c7cfe75d8c82afe7598e98946426df7"
    "c44ec94b3275256d395945a019220873768077ed39b8983837703988a991284bc94c35c2c7b1031e9a7a96ed"
    "c0aed2d3506f673cccb596d7356bc803c4a2efbc57c68ca26dabe6fbe2c96c3de3c310595ad05507548ae8ff"
    "a698c01d2d4f581ab8bea878c1c90ca390b3cda23fda02d674644ec8c5cd3ac0e7a0bed14a0d8dd6c209ca8a"
    "2d2e17536317026ef571829068f79fe8390022bce548d1828c2169acc2bbac0aa40cffaf01ea206dc8ec5f03"
    "8a3a0de1234f057548ba2e66216b08c109988b78e63657e6d8c69edf180c9cfe3fa44ca9ddd1ee8c988276ee"
    "cd05cf9cf04479310f743571391e7f5d21d98989f52a4c0f712786b52b0a2961cada0c46dd651575ecae4781"
    "2daed8dd026f0db56b4fc7f388e9fdfed6a62635920464bf605a1c79c480f848db273280611c5bba98271b11"
    "83282aa7b9ad1e9c3f43abceb38f192b7c58abaea7c3a9f69139d3b48d1e459d38b61819f1cbb54f9e996bd7"
    "4c2cb5c1a2805c3ea902436b";

/* tcpdump__quic_handshake.pcap frame 2: UDP payload, 134 bytes (server
 * Initial + Handshake, coalesced) */
static const char server_initial_hex[] =
    "cb00000001000851d1e44dc57a579e00407439fb0c2c3922551fe61ac159f97e4b5bf952972e12d5a06041d1"
    "47b5c80592ad4fb8f6e446bc1907ab1b8b892dda675c38f779a094dcefdce4eb733a6a2abf46d1c29161a67c"
    "88539daa27354cd53026bf99fdbe5e036234be596bfc73ca6deb8e63376577f214064445180e458bd5d93108"
    "3ed1";

/* tcpdump__quic_handshake.pcap frame 5: UDP payload, 1200 bytes (client
 * second Initial: ACK + PADDING, DCID = server SCID) */
static const char client_initial2_hex[] =
    "c1000000010851d1e44dc57a579e0000449e730ca16f9773a3e81f0580b5c4a57f9a94192ce8b1c697e69ca7"
    "e738d977da4f3799d79a2f333501f9a26ff9c844db18a146ae506e601e4b852739917cacf5513a9db8e677f7"
    "4ccf475d1e3d094d147409459146f1050525e745685bae8ae1529f99f7397bf8af91acc004d73d696cd256a0"
    "510a27c5a9c20961a9e97091261f381eb4e8f69b8465bcef83bb4adfecb97b7caf9b548ca2ef3f1565dc5e52"
    "41743d0b7096a471e2774212f35115418fbfd5df973fc7c8b5b69df0bedfe5c7de1933896af2d41b59016f73"
    "65c28ee48817e15f69e34f915389b9c909b167ad0df387b64f443dc3d44d1c3a8ce814a3a2e77f96859bfa21"
    "da42013f3c214eae5541abb53527897d414d513452dae677b6933ed61867d46db5e2874fff3cac5adff3c930"
    "3e93c6024a8b1ad04bb8926e489419e8b62ee5a9adef56e8cc8f6403c4bb367b32746931b434a5ff0c15f78e"
    "83060b1d1bcbd3abe81433348369db67a86156481dbfb66078d524f49ab8f12d36b5ca0215ef194f976e9d7e"
    "93dc422a4f6018c1a677f11826f1ac1eebc247c92f63727ce754aa10e89e1c49e957538a304d075938a658d0"
    "232e970e0af2d9f811fec6e1dc6a03f3e33a0dd39a7849152de4c7d0dfede49832b408e9b150f6a745e8f809"
    "b2d03e4a16aaa91bfeae90ddcd7a4b95f9d4a47678c6ff6db0e4f60650a537dbe4b9364ae85215bb4d075aaa"
    "928b1a0a32c90395887559e7d7c331ad89fcb78871b5c7c1d6daba1b8d61c6a99612cf21beae9ed4380e4b4d"
    "a35c1d0c3f8c20360681de9327d6c495da3361049200c3fbd399070911f3baad2bcf22cc481463c1ab30190f"
    "3c3dc24600f986071eb021a2bfef0f165d6cdae03acab051eb177bf179455fd5cb01cae196fa2999eb4cce77"
    "058c2796774d47f6f55c7cae478e08d04ad1897141f150f4a45f208329e43e5b9471cb3d47aa6a13f3b4c6b8"
    "0720025166a7416f3171487b20914ce871b418d6a5b273b77739782cdb4dae27e0767d67eeff86db559643ac"
    "16b2eb6be7c40df7d35e50f353cd621da44d81fc21ab60fd23ec0de0a37b0991df4ae073b33aaedad8028c99"
    "10cc2ccf83fd3dad12fb0e98d2847676c1a087dc584398e1f28f21917e5aa5ac0fe1f8c86653bd533aad6f44"
    "fb3c9ec4d1877737a3a9906e753c14546075e2189e8783ec1da49e90238b617ffe1184ea8e36fa7baa908ae6"
    "23e4a3c81061f21871d9bfa8fb95a944b202b07a4bb8abfbd4be0ef0c8168faa4fbc4a09b769a08c03038ecf"
    "4a77cba1378c924b4e5a994996b3f0b26fb6d2ef9a83cee680074b79e117a4e759f39c26b954c25be51e8e20"
    "a022167dfa073890d992736e81f4c02d4de7d952d96535721d3f6e9343fbcc16f4b674bd066bdf5522bb5557"
    "6b626eda5d97c9de3c70455f505571c873235eef1d2bb4496f948f4d6371701980cd4b140abf0a64a88314e4"
    "2488f04a7a2b73ccc8b5c43483bf9407b900bd0b23411d5c7e5029b494317953f608145649b968ceec7a347f"
    "458b868dd8d5774fef250eb6d88506b05ca172ff457d6514798b87ad366fc839db348904b172796c41e85c21"
    "706c3b7826739896afe6cd545604a793d39267fb3fc331828b13c1df84beb936cc7d6564d3a8dad090e48198"
    "b9ab2c2f55e329031dd1c1f0";

/* RFC 9001 A.2: the client Initial's CRYPTO frame (padded to 1162 bytes). */
static const char rfc_crypto_frame_hex[] =
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c0000"
    "0413011302010000c000000010000e00000b6578616d706c652e636f6dff01000100000a00080006001d0017"
    "001800100007000504616c706e000500050100000000003300260024001d00209370b2c9caa47fbabaf4559f"
    "edba753de171fa71f50f1ce15d43e994ec74d748002b0003020304000d0010000e0403050306030203080408"
    "050806002d00020101001c00024001003900320408ffffffffffffffff05048000ffff07048000ffff080110"
    "0104800075300901100f088394c8f03e51570806048000ffff";
static const uint8_t rfc_dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

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

static void tohex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = '\0';
}

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

static void check_sni_against_tshark(const struct quic_initial *q, const char *pcap)
{
    char ref[300];
    if (tshark_sni(pcap, ref, sizeof ref))
        CHECK_STR(q->hello.sni, ref);
    else
        fprintf(stderr, "note: PS_SHARED unset; embedded SNI only for %s\n", pcap);
}

/* Test-side sender: builds a protected client Initial the way RFC 9001 5
 * describes (no token, empty SCID, 2-byte Length). Returns its size. */
static size_t seal_initial(uint32_t version, const uint8_t *dcid, size_t dcid_len, uint32_t pn,
                           size_t pn_len, const uint8_t *payload, size_t plen, uint8_t *out)
{
    uint8_t key[16], iv[12], hp[16], nonce[12], mask[5];
    CHECK(quic_client_initial_keys(version, dcid, dcid_len, key, iv, hp));
    uint8_t type = version == QUIC_VERSION_2 ? 1 : 0;
    size_t o = 0;
    out[o++] = (uint8_t)(0xc0 | (type << 4) | (pn_len - 1));
    for (int i = 3; i >= 0; i--)
        out[o++] = (uint8_t)(version >> (8 * i));
    out[o++] = (uint8_t)dcid_len;
    memcpy(out + o, dcid, dcid_len);
    o += dcid_len;
    out[o++] = 0; /* SCID length */
    out[o++] = 0; /* token length */
    size_t length = pn_len + plen + 16;
    out[o++] = (uint8_t)(0x40 | (length >> 8));
    out[o++] = (uint8_t)length;
    size_t pn_off = o;
    for (size_t i = 0; i < pn_len; i++)
        out[o++] = (uint8_t)(pn >> (8 * (pn_len - 1 - i)));
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 4; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    int n = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    CHECK(ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, key, nonce) &&
          EVP_EncryptUpdate(ctx, NULL, &n, out, (int)o) &&
          EVP_EncryptUpdate(ctx, out + o, &n, payload, (int)plen) &&
          EVP_EncryptFinal_ex(ctx, out + o + plen, &n) &&
          EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out + o + plen));
    EVP_CIPHER_CTX_free(ctx);
    o += plen + 16;
    CHECK(quic_hp_mask(hp, out + pn_off + 4, mask));
    out[0] ^= mask[0] & 0x0f;
    for (size_t i = 0; i < pn_len; i++)
        out[pn_off + i] ^= mask[1 + i];
    return o;
}

/* RFC 9001 A.2 plaintext: CRYPTO frame then PADDING to 1162 bytes. */
static size_t rfc_payload(uint8_t *out)
{
    memset(out, 0, 1162);
    unhex(rfc_crypto_frame_hex, out, 1162);
    return 1162;
}

static struct quic_initial q; /* large; keep it off the stack */
static uint8_t dgram[4096], pkt[4096], payload[4096];

/* ---- RFC vectors ---------------------------------------------------------- */

static void test_rfc_keys(void)
{
    uint8_t key[16], iv[12], hp[16];
    char hex[64];
    CHECK(quic_client_initial_keys(QUIC_VERSION_1, rfc_dcid, 8, key, iv, hp));
    tohex(key, 16, hex); CHECK_STR(hex, "1f369613dd76d5467730efcbe3b1a22d");
    tohex(iv, 12, hex); CHECK_STR(hex, "fa044b2f42a3fd3b46fb255c");
    tohex(hp, 16, hex); CHECK_STR(hex, "9f50449e04a0e810283a1e9933adedd2");
    CHECK(quic_client_initial_keys(QUIC_VERSION_2, rfc_dcid, 8, key, iv, hp));
    tohex(key, 16, hex); CHECK_STR(hex, "8b1a0bc121284290a29e0971b5cd045d");
    tohex(iv, 12, hex); CHECK_STR(hex, "91f73e2351d8fa91660e909f");
    tohex(hp, 16, hex); CHECK_STR(hex, "45b95e15235d6f45a6b19cbcb0294ba9");
    CHECK(!quic_client_initial_keys(0xff00001d, rfc_dcid, 8, key, iv, hp));
    CHECK(!quic_client_initial_keys(QUIC_VERSION_1, rfc_dcid, 0, key, iv, hp));

    /* RFC 9001 A.2 header protection: sample -> mask. */
    uint8_t sample[16], mask[5];
    unhex("d1b1c98dd7689fb8ec11d242b123dc9b", sample, 16);
    unhex("9f50449e04a0e810283a1e9933adedd2", hp, 16);
    CHECK(quic_hp_mask(hp, sample, mask));
    tohex(mask, 5, hex); CHECK_STR(hex, "437b9aec36");
}

static void test_rfc9001_a2(void)
{
    char hex[128], ja4[37];
    size_t plen = rfc_payload(payload);
    size_t n = seal_initial(QUIC_VERSION_1, rfc_dcid, 8, 2, 4, payload, plen, pkt);
    CHECK_INT(n, 1200);
    /* The RFC's protected header, sample and last 48 bytes. */
    tohex(pkt, 22, hex); CHECK_STR(hex, "c000000001088394c8f03e5157080000449e7b9aec34");
    tohex(pkt + 22, 16, hex); CHECK_STR(hex, "d1b1c98dd7689fb8ec11d242b123dc9b");
    tohex(pkt + n - 48, 48, hex);
    CHECK_STR(hex, "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
                   "e221af44860018ab0856972e194cd934");

    CHECK_INT(quic_parse_initial(pkt, n, &q), PS_OK);
    CHECK_INT(q.version, QUIC_VERSION_1);
    CHECK_INT(q.dcid_len, 8);
    CHECK(memcmp(q.dcid, rfc_dcid, 8) == 0);
    CHECK_INT(q.scid_len, 0);
    CHECK_INT(q.token_len, 0);
    CHECK_INT(q.length, 1182);
    CHECK_INT(q.packet_number, 2);
    CHECK_INT(q.packet_len, 1200);
    CHECK(q.flags & QUIC_F_DECRYPTED);
    CHECK(!(q.flags & (QUIC_F_COALESCED | QUIC_F_BAD_FRAME | QUIC_F_CRYPTO_GAP)));
    CHECK(q.has_hello);
    CHECK_INT(q.hello_result, PS_OK);
    CHECK_STR(q.hello.sni, "example.com");
    CHECK_INT(q.hello.n_alpn, 1);
    CHECK_STR(q.hello.alpn[0], "alpn");
    CHECK_INT(q.hello.supported_version, 0x0304);
    CHECK_INT(q.hello.n_ciphers, 2);
    CHECK_INT(q.hello.n_extensions, 11);
    tls_ja4(&q.hello, true, ja4);
    CHECK(strncmp(ja4, "q13d0211an_", 11) == 0);
}

static void test_rfc9369_a2(void)
{
    char hex[128];
    size_t plen = rfc_payload(payload);
    size_t n = seal_initial(QUIC_VERSION_2, rfc_dcid, 8, 2, 4, payload, plen, pkt);
    tohex(pkt, 28, hex);
    CHECK_STR(hex, "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb");
    CHECK_INT(quic_parse_initial(pkt, n, &q), PS_OK);
    CHECK_INT(q.version, QUIC_VERSION_2);
    CHECK_INT(q.packet_number, 2);
    CHECK_STR(q.hello.sni, "example.com");
    /* Type bits 0b00 are Initial in v1 but Retry in v2 (RFC 9369 3.2). */
    pkt[0] &= (uint8_t)~0x30;
    CHECK_INT(quic_parse_initial(pkt, n, &q), PS_INVALID);
}

/* ---- real captures --------------------------------------------------------- */

static void test_chrome(void)
{
    char ja4[37], ja3[33], hex[64];
    size_t n = unhex(cirrus_hex, dgram, sizeof dgram);
    CHECK_INT(quic_parse_initial(dgram, n, &q), PS_OK);
    CHECK_INT(q.version, QUIC_VERSION_1);
    tohex(q.dcid, q.dcid_len, hex);
    CHECK_STR(hex, "95412c47018cdfe8"); /* Zeek quic.log client_initial_dcid */
    CHECK_INT(q.scid_len, 0);            /* Zeek: client_scid (empty) */
    CHECK_INT(q.token_len, 70);
    CHECK_INT(q.length, 1161);
    CHECK_INT(q.packet_number, 1); /* tshark: PKN 1 */
    CHECK_INT(q.packet_len, 1250);
    CHECK_INT(q.n_frags, 9); /* nine CRYPTO frames, out of order */
    CHECK(q.has_hello);
    CHECK_STR(q.hello.sni, "api.cirrus-ci.com");
    check_sni_against_tshark(&q, "zeek__quic__chromium-115.0.5790.110-api-cirrus-com.pcap");
    CHECK_STR(q.hello.alpn[0], "h3"); /* Zeek quic.log client_protocol */
    tls_ja4(&q.hello, true, ja4);
    tls_ja3(&q.hello, ja3);
    CHECK_STR(ja4, "q13d0311h3_55b375c5d22e_3512bcbbc9ec");
    CHECK_STR(ja3, "526bdfecc3fb6cf46540d7ff70e88cec");
}

static void test_tcpdump_handshake(void)
{
    size_t n = unhex(localhost_hex, dgram, sizeof dgram);
    CHECK_INT(quic_parse_initial(dgram, n, &q), PS_OK);
    CHECK_INT(q.packet_number, 0);
    CHECK(q.has_hello);
    CHECK_STR(q.hello.sni, "localhost");
    check_sni_against_tshark(&q, "tcpdump__quic_handshake.pcap");
    CHECK_STR(q.hello.alpn[0], "h3");

    /* The client's second Initial (ACK + PADDING) goes to the server's CID:
     * its keys are still those of the first DCID, so only quic_add_initial
     * opens it. */
    static struct quic_initial q2;
    n = unhex(client_initial2_hex, dgram, sizeof dgram);
    CHECK_INT(quic_parse_initial(dgram, n, &q2), PS_INVALID);
    CHECK(!(q2.flags & QUIC_F_DECRYPTED));
    CHECK_INT(quic_add_initial(dgram, n, &q), PS_OK);
    CHECK(q.flags & QUIC_F_DECRYPTED);
    CHECK_INT(q.packet_number, 1);
    CHECK(q.has_hello); /* kept from the first packet */
    CHECK_STR(q.hello.sni, "localhost");

    /* The server's Initial does not open with client keys. */
    n = unhex(server_initial_hex, dgram, sizeof dgram);
    CHECK_INT(quic_parse_initial(dgram, n, &q2), PS_INVALID);
    CHECK(!q2.has_hello);
    static struct quic_initial fresh;
    CHECK_INT(quic_add_initial(dgram, n, &fresh), PS_INVALID); /* no keys yet */
}

/* ---- CRYPTO reassembly across packets, coalescing, frames ---------------- */

static size_t put_varint2(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(0x40 | (v >> 8));
    p[1] = (uint8_t)v;
    return 2;
}

static size_t crypto_frame(uint8_t *p, size_t off, const uint8_t *data, size_t len)
{
    size_t o = 0;
    p[o++] = 0x06;
    o += put_varint2(p + o, off);
    o += put_varint2(p + o, len);
    memcpy(p + o, data, len);
    return o + len;
}

static void test_split_hello(void)
{
    static uint8_t stream[4096], a[2048], b[2048];
    static struct quic_initial ref;
    char ja4_ref[37], ja4[37];
    size_t n = unhex(cirrus_hex, dgram, sizeof dgram);
    CHECK_INT(quic_parse_initial(dgram, n, &ref), PS_OK);
    tls_ja4(&ref.hello, true, ja4_ref);
    /* The reassembled CRYPTO stream is the ClientHello message. */
    size_t slen = 0;
    for (unsigned i = 0; i < ref.n_frags; i++)
        if (ref.frags[i].end > slen)
            slen = ref.frags[i].end;
    memcpy(stream, ref.crypto, slen);
    CHECK_INT(slen, 574); /* tshark: 574 bytes reassembled from 9 fragments */

    /* Packet A: bytes 300.. (plus PING and PADDING); packet B: bytes 0..299. */
    size_t pa = crypto_frame(payload, 300, stream + 300, slen - 300);
    payload[pa++] = 0x01;
    memset(payload + pa, 0, 1100 - pa);
    size_t na = seal_initial(QUIC_VERSION_1, rfc_dcid, 8, 0, 1, payload, 1100, a);
    size_t pb = crypto_frame(payload, 0, stream, 300);
    memset(payload + pb, 0, 1100 - pb);
    size_t nb = seal_initial(QUIC_VERSION_1, rfc_dcid, 8, 1, 1, payload, 1100, b);

    CHECK_INT(quic_parse_initial(a, na, &q), PS_OK);
    CHECK(!q.has_hello);
    CHECK_INT(q.hello_result, PS_TRUNCATED);
    CHECK(q.flags & QUIC_F_CRYPTO_GAP);
    CHECK_INT(quic_add_initial(b, nb, &q), PS_OK);
    CHECK(q.has_hello);
    CHECK_INT(q.packet_number, 1);
    CHECK(!(q.flags & QUIC_F_CRYPTO_GAP));
    CHECK_STR(q.hello.sni, "api.cirrus-ci.com");
    tls_ja4(&q.hello, true, ja4);
    CHECK_STR(ja4, ja4_ref);

    /* Other order: the first packet has offset 0 but not all of it. */
    CHECK_INT(quic_parse_initial(b, nb, &q), PS_OK);
    CHECK(!q.has_hello);
    CHECK_INT(q.hello_result, PS_TRUNCATED);
    CHECK(!(q.flags & QUIC_F_CRYPTO_GAP));
    CHECK_INT(quic_add_initial(a, na, &q), PS_OK);
    CHECK(q.has_hello);
    CHECK_STR(q.hello.sni, "api.cirrus-ci.com");

    /* CRYPTO beyond PS_MAX_QUIC_CRYPTO is dropped and flagged. */
    size_t pc = crypto_frame(payload, PS_MAX_QUIC_CRYPTO - 10, stream, 100);
    memset(payload + pc, 0, 1100 - pc);
    size_t nc = seal_initial(QUIC_VERSION_1, rfc_dcid, 8, 0, 1, payload, 1100, a);
    CHECK_INT(quic_parse_initial(a, nc, &q), PS_OK);
    CHECK(q.flags & QUIC_F_CRYPTO_CAPPED);
    CHECK(!q.has_hello);
}

static void test_frames(void)
{
    size_t plen = rfc_payload(payload), n;
    /* A STREAM frame (0x08) after the CRYPTO frame: not allowed in Initial.
     * The hello before it is still extracted. */
    payload[245] = 0x08;
    n = seal_initial(QUIC_VERSION_1, rfc_dcid, 8, 2, 4, payload, plen, pkt);
    CHECK_INT(quic_parse_initial(pkt, n, &q), PS_INVALID);
    CHECK(q.flags & QUIC_F_BAD_FRAME);
    CHECK(q.has_hello);

    /* ACK with an absurd range count. */
    rfc_payload(payload);
    static const uint8_t ack[] = {0x02, 0x05, 0x00, 0x80, 0xff, 0xff, 0xff, 0x00};
    memcpy(payload + 245, ack, sizeof ack);
    n = seal_initial(QUIC_VERSION_1, rfc_dcid, 8, 2, 4, payload, plen, pkt);
    CHECK_INT(quic_parse_initial(pkt, n, &q), PS_INVALID);

    /* ACK (with ECN counts), PING and CONNECTION_CLOSE are accepted. */
    rfc_payload(payload);
    static const uint8_t ok[] = {0x03, 0x05, 0x00, 0x01, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00,
                                 0x01, 0x1c, 0x01, 0x00, 0x03, 'b', 'y', 'e'};
    memcpy(payload + 245, ok, sizeof ok);
    n = seal_initial(QUIC_VERSION_1, rfc_dcid, 8, 2, 4, payload, plen, pkt);
    CHECK_INT(quic_parse_initial(pkt, n, &q), PS_OK);
    CHECK(q.has_hello);

    /* CRYPTO length past the payload end. */
    rfc_payload(payload);
    static const uint8_t bad[] = {0x06, 0x41, 0x00, 0x7f, 0xff};
    memcpy(payload + 245, bad, sizeof bad);
    n = seal_initial(QUIC_VERSION_1, rfc_dcid, 8, 2, 4, payload, plen, pkt);
    CHECK_INT(quic_parse_initial(pkt, n, &q), PS_INVALID);
}

static void test_coalesced_and_headers(void)
{
    size_t plen = rfc_payload(payload);
    size_t n = seal_initial(QUIC_VERSION_1, rfc_dcid, 8, 2, 4, payload, plen, pkt);

    /* Initial followed by another packet. */
    memcpy(dgram, pkt, n);
    static const uint8_t hs[] = {0xe0, 0, 0, 0, 1, 0, 0, 0x05, 1, 2, 3, 4, 5};
    memcpy(dgram + n, hs, sizeof hs);
    CHECK_INT(quic_parse_initial(dgram, n + sizeof hs, &q), PS_OK);
    CHECK(q.flags & QUIC_F_COALESCED);
    CHECK_INT(q.packet_len, 1200);
    CHECK_INT(q.offset, 0);

    /* A Handshake packet first, the Initial second. */
    memcpy(dgram, hs, sizeof hs);
    memcpy(dgram + sizeof hs, pkt, n);
    CHECK_INT(quic_parse_initial(dgram, n + sizeof hs, &q), PS_OK);
    CHECK_INT(q.offset, sizeof hs);
    CHECK_STR(q.hello.sni, "example.com");

    /* Version negotiation, unknown version, short header, Retry, CID > 20. */
    memcpy(dgram, pkt, n);
    dgram[1] = dgram[2] = dgram[3] = dgram[4] = 0;
    CHECK_INT(quic_parse_initial(dgram, n, &q), PS_INVALID);
    memcpy(dgram, pkt, n);
    dgram[1] = 0xff, dgram[4] = 0x1d;
    CHECK_INT(quic_parse_initial(dgram, n, &q), PS_INVALID);
    CHECK_INT(q.version, 0xff00001d);
    memcpy(dgram, pkt, n);
    dgram[0] = 0x40;
    CHECK_INT(quic_parse_initial(dgram, n, &q), PS_INVALID);
    memcpy(dgram, pkt, n);
    dgram[0] |= 0x30;
    CHECK_INT(quic_parse_initial(dgram, n, &q), PS_INVALID);
    memcpy(dgram, pkt, n);
    dgram[5] = 21;
    CHECK_INT(quic_parse_initial(dgram, n, &q), PS_INVALID);
    CHECK_INT(quic_parse_initial(NULL, 0, &q), PS_TRUNCATED);
}

/* Every prefix of each datagram is PS_TRUNCATED (an exact-size heap copy,
 * so ASan catches any overread); every single-byte flip of the Chrome
 * Initial fails (header fields, AAD, ciphertext or tag). */
static void test_sweeps(void)
{
    static const char *const all[] = {cirrus_hex, localhost_hex, client_initial2_hex};
    for (size_t v = 0; v < sizeof all / sizeof all[0] + 1; v++) {
        size_t n = v < 3 ? unhex(all[v], dgram, sizeof dgram)
                         : seal_initial(QUIC_VERSION_2, rfc_dcid, 8, 2, 4, payload,
                                        rfc_payload(payload), dgram);
        int not_trunc = 0;
        for (size_t len = 0; len < n; len++) {
            uint8_t *p = malloc(len ? len : 1);
            memcpy(p, dgram, len);
            not_trunc += quic_parse_initial(p, len, &q) != PS_TRUNCATED;
            free(p);
        }
        CHECK_INT(not_trunc, 0);
    }
    size_t n = unhex(cirrus_hex, dgram, sizeof dgram);
    int opened = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(pkt, dgram, n);
        pkt[i] ^= 0x41;
        opened += quic_parse_initial(pkt, n, &q) == PS_OK;
    }
    CHECK_INT(opened, 0);
}

UNIT_MAIN({
    test_rfc_keys();
    test_rfc9001_a2();
    test_rfc9369_a2();
    test_chrome();
    test_tcpdump_handshake();
    test_split_hello();
    test_frames();
    test_coalesced_and_headers();
    test_sweeps();
})
