# The TCP sources (sans-I/O: no DPDK), shared by stack/CMakeLists.txt and tests/stack/tcp.
set(SLUICE_TCP_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/../wire/tcp.cc
  ${CMAKE_CURRENT_LIST_DIR}/congestion.cc
  ${CMAKE_CURRENT_LIST_DIR}/input.cc
  ${CMAKE_CURRENT_LIST_DIR}/input_open.cc
  ${CMAKE_CURRENT_LIST_DIR}/isn.cc
  ${CMAKE_CURRENT_LIST_DIR}/layer.cc
  ${CMAKE_CURRENT_LIST_DIR}/output.cc
  ${CMAKE_CURRENT_LIST_DIR}/recv_buffer.cc
  ${CMAKE_CURRENT_LIST_DIR}/send_buffer.cc
  ${CMAKE_CURRENT_LIST_DIR}/sockets.cc
  ${CMAKE_CURRENT_LIST_DIR}/timers.cc
)
