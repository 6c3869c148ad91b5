# cmake -DIN=console.html -DOUT=console_html.h -P embed.cmake: the console page as a C string.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "/* generated from console.html by embed.cmake */\nstatic const char console_html[] = {${bytes} 0x00};\n")
