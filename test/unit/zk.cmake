# server/zk: the ZooKeeper ClientCodec (handshake forms, request/response
# pairing, codec-answered rejects, four-letter words and their allow-list).
arbor_test(zk_codec_test LABEL unit
  SOURCES zk/zk_codec_test.cc zk/four_letter_words_test.cc
  DEPS arbor_zk)
