package decode

import (
	"net/http/httptest"
	"strings"
	"testing"

	"destek/internal/desk"
)

type inner struct {
	Channel string `json:"channel"`
}

type body struct {
	Name  string           `json:"name"`
	Count int              `json:"count"`
	Tags  []string         `json:"tags"`
	In    inner            `json:"inner"`
	Ref   Optional[int64]  `json:"ref"`
	Flag  Optional[bool]   `json:"flag"`
	Ptr   *int64           `json:"ptr"`
	Extra Optional[string] `json:"extra"`
}

func decodeBody(t *testing.T, contentType, s string, limit int64) (body, error) {
	t.Helper()
	r := httptest.NewRequest("POST", "/", strings.NewReader(s))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	var b body
	err := JSONLimit(httptest.NewRecorder(), r, &b, limit)
	return b, err
}

func TestJSONAcceptsValidBodies(t *testing.T) {
	b, err := decodeBody(t, "application/json; charset=UTF-8", ` {"name":"ş","count":2,"tags":["a"],"inner":{"channel":"email"},"ref":null,"flag":false}`+"\n", 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != "ş" || b.Count != 2 || b.In.Channel != "email" || !b.Ref.Set || b.Ref.Value != nil || !b.Flag.Set || *b.Flag.Value || b.Extra.Set {
		t.Fatalf("decoded %+v", b)
	}
	if p := b.Ref.Ptr(); p == nil || *p != nil {
		t.Fatal("Ptr of null is not a pointer to nil")
	}
	if b.Extra.Ptr() != nil {
		t.Fatal("Ptr of an absent field is not nil")
	}
}

func TestJSONRefusals(t *testing.T) {
	cases := []struct {
		name, ct, body string
		code, field    string
		msg            string
	}{
		{"no content type", "", `{}`, desk.EUNSUPPORTED, "", "application/json"},
		{"form", "application/x-www-form-urlencoded", `a=b`, desk.EUNSUPPORTED, "", ""},
		{"latin5", "application/json; charset=iso-8859-9", `{}`, desk.EUNSUPPORTED, "", "UTF-8"},
		{"empty", "application/json", ``, desk.EINVALID, "", "empty"},
		{"blank", "application/json", "  \n", desk.EINVALID, "", "empty"},
		{"null", "application/json", `null`, desk.EINVALID, "", "object"},
		{"array", "application/json", `[{}]`, desk.EINVALID, "", "object"},
		{"string", "application/json", `"x"`, desk.EINVALID, "", "object"},
		{"syntax", "application/json", `{"name": "x",, }`, desk.EINVALID, "", "byte 14"},
		{"syntax after space", "application/json", `   {"name" "x"}`, desk.EINVALID, "", "byte 12"},
		{"truncated", "application/json", `{"name": "x"`, desk.EINVALID, "", "middle"},
		{"two values", "application/json", `{"name":"a"}{"name":"b"}`, desk.EINVALID, "", "more than one"},
		{"trailing garbage", "application/json", `{"name":"a"} x`, desk.EINVALID, "", "malformed"},
		{"unknown", "application/json", `{"nam":"a"}`, desk.EINVALID, "nam", "unknown field"},
		{"string for int", "application/json", `{"count":"2"}`, desk.EINVALID, "count", "an integer"},
		{"float for int", "application/json", `{"count":2.5}`, desk.EINVALID, "count", "an integer"},
		{"huge int", "application/json", `{"count":1e400}`, desk.EINVALID, "count", ""},
		{"nested", "application/json", `{"inner":{"channel":1}}`, desk.EINVALID, "inner.channel", "a string"},
		{"array elem", "application/json", `{"tags":[true]}`, desk.EINVALID, "tags", "a string"},
		{"object for array", "application/json", `{"tags":{}}`, desk.EINVALID, "tags", "an array"},
		{"optional type", "application/json", `{"ref":"x"}`, desk.EINVALID, "ref", "an integer"},
		{"optional bool", "application/json", `{"flag":1}`, desk.EINVALID, "flag", "true or false"},
		{"pointer", "application/json", `{"ptr":[]}`, desk.EINVALID, "ptr", "an integer"},
		{"too large", "application/json", `{"name":"` + strings.Repeat("x", 100) + `"}`, desk.ETOOLARGE, "", "larger than 64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeBody(t, tc.ct, tc.body, 64)
			if desk.ErrorCode(err) != tc.code || desk.ErrorField(err) != tc.field {
				t.Fatalf("err = %v (code %q field %q), want code %q field %q", err, desk.ErrorCode(err), desk.ErrorField(err), tc.code, tc.field)
			}
			if !strings.Contains(desk.ErrorMessage(err), tc.msg) {
				t.Fatalf("message %q does not say %q", desk.ErrorMessage(err), tc.msg)
			}
		})
	}
}

func TestLimitReader(t *testing.T) {
	var b body
	err := Reader(LimitReader(strings.NewReader(`{"name":"`+strings.Repeat("x", 50)+`"}`), 20, "payload"), &b)
	if desk.ErrorCode(err) != desk.ETOOLARGE || desk.ErrorField(err) != "payload" {
		t.Fatalf("err = %v", err)
	}
	if err := Reader(LimitReader(strings.NewReader(`{"name":"x"}`), 12, "payload"), &b); err != nil || b.Name != "x" {
		t.Fatalf("a body of exactly the limit: %v", err)
	}
}
