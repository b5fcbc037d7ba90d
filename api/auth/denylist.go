package auth

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The deny-list is generated here, not downloaded or copied from anywhere:
// words people really build passwords from, expanded the ways people expand
// them (trailing digits, years, "!", leet), plus keyboard walks, digit runs,
// repeated characters and dates. Only candidates the policy would otherwise
// accept (8..128 runes) are kept, lower-cased, since the check ignores case.
// It is built once, on first use, and held as one sorted string.

// passwordDenyWords are the stems, lower case. Short ones still count: the
// suffixes carry them past eight characters ("dragon" -> "dragon123").
var passwordDenyWords = strings.Fields(`
password passwd passw0rd pass letmein welcome welcome1 login admin administrator root master secret
default guest user changeme test tester access trustno trustme whatever nothing private hello hiya
iloveyou loveyou iloveu lovely love lover loveme mylove babygirl babyboy baby sweetheart sweetie sweet
honey darling angel angels princess prince queen king kingdom goddess
monkey dragon tiger lion bear teddy teddybear puppy kitty kitten doggy doggie dog cat horse pony
dolphin eagle falcon shark panther cobra wolf fox bunny rabbit turtle penguin butterfly bumblebee
football soccer baseball basketball hockey tennis golf golfer cricket rugby boxing snooker darts
arsenal chelsea liverpool everton united leeds celtic rangers spurs tottenham westham villa wolves
newcastle sunderland leicester madrid barcelona juventus yankees lakers cowboys steelers
plymouth argyle pilgrims devon cornwall exeter bristol cardiff swansea wrexham cymru wales
england scotland ireland britain london manchester birmingham sheffield nottingham glasgow
michael jennifer jessica ashley daniel david james john robert william thomas charlie jordan
hunter harley summer maggie buster ginger pepper shadow buddy bailey sophie daisy oliver jack
harry george emily chloe olivia amelia jasmine natasha nicole michelle andrew joshua matthew
anthony justin taylor samantha amanda hannah lauren rachel rebecca sarah laura peter paul mark
steven stephen richard christopher chris elizabeth lucy molly poppy alfie archie freddie
charlotte grace megan jade amber ruby bella lily rosie holly jamie ryan liam noah mason ethan
jacob logan lucas aaron adam alex alexander alexis andrea angela anna barbara ben benjamin
brandon carlos cheryl claire craig debbie diana donna emma gemma helen ian jason julie karen
kevin kelly linda lisa louise martin mary nathan nicola patrick rose sam scott simon susan tom
tony tracey victoria wayne zoe maria
batman superman spiderman starwars startrek pokemon pikachu matrix mustang ferrari porsche
corvette yamaha ninja pirate pirates minecraft fortnite roblox zelda mario sonic gandalf hobbit
frodo hogwarts potter marvel avengers ironman hulk thor jedi yoda vader skywalker
sunshine sunflower rainbow flower flowers freedom forever friends friend family jesus christ
heaven blessed faith hope computer internet cheese chocolate cookie cookies banana orange apple
strawberry cherry peaches pumpkin summer winter autumn spring money killer silver golden gold
diamond crystal thunder lightning starlight sunset sunrise moonlight midnight shadow ghost
magic wizard dreams dreamer happy smile lucky lucky7 cool coolguy hotdog hottie sexy naughty
beautiful pretty cutie handsome superstar rockstar music guitar piano dance dancer singer
michaeljackson elvis beatles nirvana metallica slipknot eminem beyonce
qwerty qwertz azerty qwertyui qwertyuiop asdfgh asdfghjk asdfghjkl zxcvbn zxcvbnm qazwsx
qweasd qweasdzxc asdasd zxczxc qwe123 asd123 zaq12wsx 1qaz2wsx 1q2w3e4r 1q2w3e 1q2w3e4r5t
q1w2e3r4 q1w2e3r4t5 abc123 abcd1234 abcdef abcdefg abcdefgh a1b2c3d4 aa123456 qq123456
asdf1234 qwer1234 zxcv1234 password! p4ssword iloveyou! 123abc abc123abc 1234abcd
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday weekend holiday christmas easter
mother father mummy mommy daddy sister brother grandma grandad nanny granny family1 children
kids house home garden council library school college student teacher doctor nurse police
office work working business company manager service support helpdesk network server
security system windows microsoft google facebook twitter instagram youtube tiktok amazon
apple123 samsung iphone android nokia linux ubuntu oracle mysql postgres database backup
letmein1 welcome123 hello123 admin123 root123 test123 guest123 user123 pass123 login123
secret123 master123 qwerty123 dragon123 monkey123 football1 baseball1 shadow123 princess1
bond007 agent007 matrix1 iceman maverick topgun mustang1 harley1 chopper biker rider
fishing hunting camping surfing skiing riding running cycling swimming
coffee tea beer whisky vodka cheers party chicken pizza burger bacon sausage
dragonfly phoenix unicorn mermaid fairy angel1 devil demon hell heaven1 satan god godisgood
blue red green yellow purple black white pink orange1 redsox bluebird blackbird
soccer1 hockey1 tennis1 jordan23 lebron kobe messi ronaldo beckham rooney kane
`)

// Endings people add to a word; leet forms take only the first few.
var (
	passwordDenyEndings = []string{"", "1", "123", "!", "1!", "123!",
		"12", "1234", "12345", "123456", "!!", "12!", "1234!", "01", "007", "69", "99",
		"00", "11", "22", "13", "21", "23", "77", "88", "777", "321", "?", "#1", "@123", "."}
	passwordDenyLeetEndings = 6
	passwordDenyLeet        = map[rune][]string{'a': {"@", "4"}, 'o': {"0"}, 'e': {"3"}, 'i': {"1"}, 's': {"$"}}
)

// passwordDenySet is a sorted list of distinct strings packed into one:
// entry i is data[ends[i-1]:ends[i]].
type passwordDenySet struct {
	data string
	ends []uint32
}

var passwordDenylist = sync.OnceValue(passwordBuildDenylist)

// passwordDenied reports whether the NFC password is on the deny-list, in any case.
func passwordDenied(nfc string) bool { return passwordDenylist().has(strings.ToLower(nfc)) }

// PasswordDenylistSize is how many distinct passwords the deny-list holds.
func PasswordDenylistSize() int { return len(passwordDenylist().ends) }

func (s *passwordDenySet) at(i int) string {
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.data[start:s.ends[i]]
}

func (s *passwordDenySet) has(p string) bool {
	lo, hi := 0, len(s.ends)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if s.at(mid) < p {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo < len(s.ends) && s.at(lo) == p
}

func passwordBuildDenylist() *passwordDenySet {
	all := make([]string, 0, 200_000)
	add := func(p string) {
		if n := utf8.RuneCountInString(p); n >= PasswordMinRunes && n <= PasswordMaxRunes {
			all = append(all, p)
		}
	}
	for _, w := range passwordDenyWords {
		passwordDenyExpand(w, add)
	}
	passwordDenyPatterns(add)
	passwordDenyDates(add)
	slices.Sort(all)
	all = slices.Compact(all)
	var b strings.Builder
	set := &passwordDenySet{ends: make([]uint32, len(all))}
	for i, p := range all {
		b.WriteString(p)
		set.ends[i] = uint32(b.Len())
	}
	set.data = b.String()
	return set
}

// passwordDenyExpand adds a word with its endings, years and leet spellings.
func passwordDenyExpand(w string, add func(string)) {
	for _, e := range passwordDenyEndings {
		add(w + e)
	}
	for y := 1950; y <= 2026; y++ {
		ys := strconv.Itoa(y)
		add(w + ys)
		add(w + ys[2:])
		if y >= 2000 {
			add(w + ys + "!")
		}
	}
	add(w + w)
	for _, l := range passwordDenyLeetForms(w) {
		for _, e := range passwordDenyEndings[:passwordDenyLeetEndings] {
			add(l + e)
		}
	}
}

// passwordDenyLeetForms spells w with every combination of substitutions, a
// letter class at a time ("password" -> "p@ssword", "pa$$w0rd", "p4$$w0rd" ...).
func passwordDenyLeetForms(w string) []string {
	forms := []string{w}
	for _, r := range "aoeis" {
		if !strings.ContainsRune(w, r) {
			continue
		}
		n := len(forms)
		for _, sub := range passwordDenyLeet[r] {
			for _, f := range forms[:n] {
				forms = append(forms, strings.ReplaceAll(f, string(r), sub))
			}
		}
	}
	return forms[1:]
}

// passwordDenyPatterns adds keyboard walks, digit and letter runs and
// repeated characters.
func passwordDenyPatterns(add func(string)) {
	rows := []string{"1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./", "qwertzuiop",
		"azertyuiop", "abcdefghijklmnopqrstuvwxyz", "1qaz2wsx3edc4rfv5tgb6yhn", "qazwsxedcrfvtgbyhn",
		"1q2w3e4r5t6y7u8i9o0p", "q1w2e3r4t5y6u7i8o9p0", "!@#$%^&*()", "01234567890123456789"}
	for _, row := range rows {
		for _, s := range []string{row, passwordReverse(row)} {
			for i := range len(s) {
				for j := i + PasswordMinRunes; j <= len(s); j++ {
					add(s[i:j])
				}
			}
		}
	}
	for _, c := range "0123456789abcdefghijklmnopqrstuvwxyz!*.@#$ " {
		for n := PasswordMinRunes; n <= 24; n++ {
			add(strings.Repeat(string(c), n))
		}
	}
	for x := range 100 { // two digits over and over: 12121212, 69696969
		pair := fmt.Sprintf("%02d", x)
		for n := 4; n <= 8; n++ {
			add(strings.Repeat(pair, n))
		}
	}
	for x := range 1000 { // a three-digit group three times: 123123123
		tri := fmt.Sprintf("%03d", x)
		add(tri + tri + tri)
	}
}

// passwordDenyDates adds birthdays as people type them: ddmmyyyy and mmddyyyy.
func passwordDenyDates(add func(string)) {
	days := []int{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	two := func(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }
	for y := 1950; y <= 2026; y++ {
		ys := strconv.Itoa(y)
		for m := 1; m <= 12; m++ {
			for d := 1; d <= days[m-1]; d++ {
				add(two(d) + two(m) + ys)
				add(two(m) + two(d) + ys)
			}
		}
	}
}

func passwordReverse(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	return string(b)
}
