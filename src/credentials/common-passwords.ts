/**
 * The most common passwords of at least 8 characters, from public breach-frequency lists
 * (SecLists top lists, NCSC's 100k list head). Compared case-insensitively.
 */
export const COMMON_PASSWORDS = new Set(
  `12345678 123456789 1234567890 12345678910 password password1 password12 password123 password1234
  passw0rd p@ssw0rd p@ssword qwertyuiop qwerty123 qwerty1234 qwertyui 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y
  zaq12wsx zaq1zaq1 1qaz2wsx qazwsxedc qazwsx123 11111111 111111111 1111111111 00000000 000000000
  0000000000 88888888 66666666 99999999 12341234 12344321 11223344 87654321 987654321 9876543210
  123123123 123321123 147258369 123456789a a123456789 abc12345 abcd1234 abcdefgh abc123456 1234abcd
  iloveyou iloveyou1 iloveyou2 sunshine princess football baseball basketball superman batman123
  welcome1 welcome123 letmein1 letmein123 trustno1 starwars whatever computer michelle jennifer
  jordan23 charlie1 monkey123 dragon123 master123 shadow123 freedom1 liverpool chelsea1 arsenal1
  admin123 admin1234 administrator changeme changeme123 secret123 test1234 testtest default1
  asdfghjkl asdf1234 asdfasdf zxcvbnm1 zxcvbnm123 zxcvbnmm 1qazxsw2 qwer1234 q1w2e3r4 q1w2e3r4t5
  a1b2c3d4 aa123456 aa12345678 5201314520 woaini1314 woaini520 1314520520 wang1234 zhang123
  li123456 88889999 abcd123456 a12345678 qq123456 qq123456789 123456qq 1234qwer qwe12345
  password! password@ password# iloveyou! football1 baseball1 superman1 michael1 ashley123
  samsung123 google123 hello123 hello1234 lovely123 whatever1 starwars1 pokemon123 minecraft
  minecraft1 123qweasd qweasdzxc qweasd123 1q2w3e4r5t6y7u 1qaz2wsx3edc zaq1xsw2 !qaz2wsx
  12qwaszx aaaaaaaa aaaaaaaaa abcabcabc 121212121 12121212 13131313 7777777 77777777 55555555
  22222222 33333333 44444444 123654789 741852963 159753159 159357159 963852741 password2
  docker123 docker1234 dockerdocker kubernetes swarm123 deploy123 root1234 rootroot toortoor`
    .split(/\s+/)
    .filter(Boolean),
);
