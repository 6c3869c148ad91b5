/*
 * mqtt_vectors.h - packets of cloud-mqtt.md (§3.5, §6, §9.2, §9.3) written into the tests as
 * data (hex), plus the strings they are built from. Shared by the codec and client tests.
 */
#ifndef MQTT_VECTORS_H
#define MQTT_VECTORS_H

#define V_PK "a1FCMDh4ypx"
#define V_DN "IFXDeviceMqttTest"

/* §3.5: demo device, securemode 8, password = HMAC-SHA256 (hex) */
#define V35_CLIENT_ID                                                                                                  \
    "a1MZxOdcBnO.test_01|securemode=8,timestamp=2524608000000,signmethod=hmacsha256,gw=0,ext=0,"                       \
    "partner_id=example.demo.partner-id,module_id=example.demo.module-id,authtype=id2,a=aos-r-2.1.0|"
#define V35_USER     "test_01&a1MZxOdcBnO"
#define V35_DS       "t9GmMf2jb3LgWfXBaZD2r3aJrfVWBv56"
#define V35_SIGN     "clientIda1MZxOdcBnO.test_01deviceNametest_01productKeya1MZxOdcBnOtimestamp2524608000000"
#define V35_PASSWORD "d64bac40a79ad70ba6c453508d0df5436a937c091ae789ddcd93ffaf864b7b2f"

/* §6 topics and payloads (seed device) */
#define V6_TOPIC_MID "/sys/" V_PK "/" V_DN "/thing/status/update"
#define V6_PAYLOAD_MID                                                                                                 \
    "{\"id\":\"" V_PK "_" V_DN "_mid\",\"params\":{\"_sys_device_mid\":\"example.demo.module-id\","                    \
    "\"_sys_device_pid\":\"example.demo.partner-id\"}}"
#define V6_TOPIC_FW       "/ota/device/inform/" V_PK "/" V_DN
#define V6_PAYLOAD_FW     "{\"id\":\"3\",\"params\":{\"version\":\"app-1.0.0-20180101.1000\"}}"
#define V6_TOPIC_UPDATE   "/" V_PK "/" V_DN "/update"
#define V6_TOPIC_DATA     "/" V_PK "/" V_DN "/data"
#define V6_PAYLOAD_UPDATE "update: hello! start!"
#define V6_PAYLOAD_DATA   "data: hello! start!"
#define V6_PAYLOAD_TEMP1  "{\"attr_name\":\"temperature\",\"attr_value\":\"1\"}"

#define V6_FW_HEX                                                                                                      \
    "326D00302F6F74612F6465766963652F696E666F726D2F613146434D4468347970782F4946584465766963654D71"                     \
    "74745465737400037B226964223A2233222C22706172616D73223A7B2276657273696F6E223A226170702D312E30"                     \
    "2E302D32303138303130312E31303030227D7D"
#define V6_UPDATE_HEX                                                                                                  \
    "323E00252F613146434D4468347970782F4946584465766963654D717474546573742F7570646174650004757064"                     \
    "6174653A2068656C6C6F2120737461727421"
#define V6_SUBSCRIBE_HEX "8228000500232F613146434D4468347970782F4946584465766963654D717474546573742F6461746101"
#define V6_DATA_HEX                                                                                                    \
    "323A00232F613146434D4468347970782F4946584465766963654D717474546573742F646174610006646174613A"                     \
    "2068656C6C6F2120737461727421"
#define V6_TEMP1_HEX                                                                                                   \
    "325300232F613146434D4468347970782F4946584465766963654D717474546573742F6461746100077B22617474"                     \
    "725F6E616D65223A2274656D7065726174757265222C22617474725F76616C7565223A2231227D"
#define V6_PUBACK_HEX "40020001"

/* §9 */
#define V9_ID2 "00112233445566778899AABB"
#define V9_CLIENT_ID                                                                                                   \
    V_PK "." V_DN "|securemode=2,timestamp=2524608000000,signmethod=hmacsha256,gw=0,ext=0,authtype=id2|"
#define V9_USER          V_DN "&" V_PK
#define V9_SERVER_RANDOM "55B83408399FA660F05C82E4F25333DC"
#define V9_STEP3                                                                                                       \
    "2~2~ABABABABABABABAB~55B83408399FA660F05C82E4F25333DC~U+vP3H8Z9imWYa5ZSz7RhjBUG9K0oOQ0vudg/"                      \
    "QLgMV6VT2Ty5Ohunu6C0gIWaEiZ"
#define V9_STEP4 "10~2~ABABABABABABABAB~YmkREbfVQQEloYoCT87wIRtfR2S2kzxXzmgZ0H3RAKSVT2Ty5Ohunu6C0gIWaEiZ"
#define V92_CONNECT_HEX                                                                                                \
    "10be0100044d5154540580003c211500034944321600183030313132323333343435353636373738383939414142"                     \
    "420071613146434d4468347970782e4946584465766963654d717474546573747c7365637572656d6f64653d322c"                     \
    "74696d657374616d703d323532343630383030303030302c7369676e6d6574686f643d686d61637368613235362c"                     \
    "67773d302c6578743d302c61757468747970653d6964327c001d4946584465766963654d71747454657374266131"                     \
    "46434d446834797078"
#define V92_AUTH2_HEX "f02b18291500034944321600203535423833343038333939464136363046303543383245344632353333334443"
#define V92_AUTH3_HEX                                                                                                  \
    "f08101187f150003494432160076327e327e414241424142414241424142414241427e3535423833343038333939"                     \
    "4641363630463035433832453446323533333344437e552b76503348385a39696d575961355a537a375268"                           \
    "6a425547394b306f4f5130767564672f514c674d56365654325479354f68756e753643306749576145695a"
#define V92_CONNACK_HEX                                                                                                \
    "206200005f15000349443216005631307e327e414241424142414241424142414241427e596d6b52456266565151"                     \
    "456c6f596f435438377749527466523253326b7a78587a6d675a30483352414b535654325479354f68756e7536"                       \
    "43306749576145695a"

#define V93_CLIENT_ID                                                                                                  \
    V_PK "." V_DN "|securemode=2,timestamp=1593072000000,signmethod=hmacsha256,gw=0,ext=0,authtype=id2|"
#define V93_PASSWORD                                                                                                   \
    "3~2~ABABABABABABABAB~1593072000000~z6dZfbLLg46Ug2MskpYY+xldYADEuuGUmoxkIy0d49OVT2Ty5Ohunu6C0gIWaEiZ"
#define V93_CONNECT_HEX                                                                                                \
    "10810200044d51545404c0003c0071613146434d4468347970782e4946584465766963654d717474546573747c73"                     \
    "65637572656d6f64653d322c74696d657374616d703d313539333037323030303030302c7369676e6d6574686f64"                     \
    "3d686d61637368613235362c67773d302c6578743d302c61757468747970653d6964327c001d4946584465766963"                     \
    "654d7174745465737426613146434d4468347970780063337e327e414241424142414241424142414241427e3135"                     \
    "39333037323030303030307e7a36645a66624c4c6734365567324d736b7059592b786c6459414445757547556d6f"                     \
    "786b4979306434394f5654325479354f68756e753643306749576145695a"

#endif
