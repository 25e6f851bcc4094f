package audiences

import (
	"context"
	"errors"
	"testing"
)

func TestNextPageLinksStayOnThePlatformHost(t *testing.T) {
	c := NewClient(Credentials{ClientID: "x", ClientSecret: "y", OrgID: "o", Sandbox: "s", IMSURL: "http://127.0.0.1:1", PlatformURL: "https://platform.example"})
	c.token, c.expires = "tok", c.now().Add(24*3600e9)
	for _, link := range []string{"@evil.example/x", "https://evil.example/data", "//evil.example/x", "https://platform.example@evil.example/x"} {
		var out any
		if err := c.get(context.Background(), link, &out); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", link, err)
		}
	}
}
