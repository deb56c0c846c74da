/* ports.c - a static excerpt of the IANA Service Name and Transport
 * Protocol Port Number Registry; 'b' = both tcp and udp. */
#include "ports.h"

#include <stddef.h>
#include <string.h>

struct port_name {
    unsigned short port;
    char proto; /* 't', 'u', 'b' */
    const char *name;
};

static const struct port_name names[] = {
    {7, 'b', "echo"},          {20, 't', "ftp-data"},      {21, 't', "ftp"},
    {22, 't', "ssh"},          {23, 't', "telnet"},        {25, 't', "smtp"},
    {53, 'b', "domain"},       {67, 'u', "bootps"},        {68, 'u', "bootpc"},
    {69, 'u', "tftp"},         {80, 'b', "http"},          {88, 'b', "kerberos"},
    {110, 't', "pop3"},        {111, 'b', "sunrpc"},       {119, 't', "nntp"},
    {123, 'u', "ntp"},         {135, 'b', "epmap"},        {137, 'u', "netbios-ns"},
    {138, 'u', "netbios-dgm"}, {139, 't', "netbios-ssn"},  {143, 't', "imap"},
    {161, 'u', "snmp"},        {162, 'u', "snmptrap"},     {179, 't', "bgp"},
    {389, 'b', "ldap"},        {427, 'b', "svrloc"},       {443, 'b', "https"},
    {445, 't', "microsoft-ds"}, {465, 't', "submissions"}, {500, 'u', "isakmp"},
    {514, 'u', "syslog"},      {515, 't', "printer"},      {520, 'u', "router"},
    {546, 'u', "dhcpv6-client"}, {547, 'u', "dhcpv6-server"}, {554, 'b', "rtsp"},
    {587, 't', "submission"},  {631, 'b', "ipp"},          {636, 't', "ldaps"},
    {853, 'b', "domain-s"},    {873, 't', "rsync"},        {993, 't', "imaps"},
    {995, 't', "pop3s"},       {1080, 't', "socks"},       {1194, 'b', "openvpn"},
    {1433, 't', "ms-sql-s"},       {1701, 'u', "l2tp"},
    {1723, 't', "pptp"},       {1812, 'u', "radius"},      {1813, 'u', "radius-acct"},
    {1883, 't', "mqtt"},       {1900, 'u', "ssdp"},        {2049, 'b', "nfs"},
    {3306, 't', "mysql"},      {3389, 'b', "ms-wbt-server"}, {3478, 'b', "stun"},
    {4500, 'u', "ipsec-nat-t"}, {5060, 'b', "sip"},        {5061, 't', "sips"},
    {5222, 't', "xmpp-client"}, {5353, 'u', "mdns"},       {5355, 'u', "llmnr"},
    {5432, 't', "postgresql"}, {5900, 't', "rfb"},         {6379, 't', "redis"},
     {8080, 't', "http-alt"},  
        {11211, 'b', "memcache"},
    {27017, 't', "mongodb"},
};

const char *port_service_name(const char *proto, int port)
{
    char p = proto && strcmp(proto, "tcp") == 0 ? 't' : proto && strcmp(proto, "udp") == 0 ? 'u' : 0;
    if (!p)
        return NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].port == port && (names[i].proto == p || names[i].proto == 'b'))
            return names[i].name;
    return NULL;
}
