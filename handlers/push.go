package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

type batchItemResult struct {
	Index      int                  `json:"index"`
	ExternalID string               `json:"external_id"`
	Result     string               `json:"result"`
	Errors     []vendors.FieldError `json:"errors,omitempty"`
}

type batchResponse struct {
	Results []batchItemResult `json:"results"`
	Counts  map[string]int    `json:"counts"`
}

// putOne answers a single-object PUT (an invoice or a credit note): the body's
// external_id must agree with the path; the item is pushed like a batch of
// one and answered 201 created, 200 updated or unchanged, or 422 with its
// field errors, with the stored object read back.
func putOne[R any, I any](s *Server, c *gin.Context, externalID func(*R) *string, convert func(R) (I, error),
	push func(ctx context.Context, vendorID int64, items []I) ([]vendors.PushResult, error),
	read func(ctx context.Context, vendorID int64, externalID string) (any, error)) {
	body, err := readBody(c, maxSingleBody)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req R
	if err := decodeStrict(body, &req); err != nil {
		s.fail(c, err)
		return
	}
	id, path := externalID(&req), c.Param("external_id")
	if *id != "" && *id != path {
		s.fail(c, vendors.Invalid("external_id", "does not match the external_id in the URL"))
		return
	}
	*id = path
	in, err := convert(req)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, vid := c.Request.Context(), vendorID(c)
	results, err := push(ctx, vid, []I{in})
	if err != nil {
		s.fail(c, err)
		return
	}
	if r := results[0]; r.Result == vendors.ResultError {
		s.fail(c, &vendors.ValidationError{Fields: r.Errors})
		return
	}
	out, err := read(ctx, vid, path)
	if err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusOK
	if results[0].Result == vendors.ResultCreated {
		status = http.StatusCreated
	}
	c.JSON(status, out)
}

// decodeBatch reads {"<name>": [ … ]} with at most vendors.MaxBatch items and
// decodes each item on its own, so one bad item does not sink the others.
// Items that fail to decode come back as error results.
func decodeBatch[R any, I any](c *gin.Context, name string, convert func(R) (I, error)) ([]I, []int, []batchItemResult, error) {
	body, err := readBody(c, maxBatchBody)
	if err != nil {
		return nil, nil, nil, err
	}
	var envelope map[string]json.RawMessage
	if err := decodeStrict(body, &envelope); err != nil {
		return nil, nil, nil, err
	}
	for k := range envelope {
		if k != name {
			return nil, nil, nil, vendors.Invalid(k, "is not a known field")
		}
	}
	var raws []json.RawMessage
	if err := decodeStrict(envelope[name], &raws); err != nil || envelope[name] == nil {
		return nil, nil, nil, vendors.Invalid(name, "must be an array of objects")
	}
	if len(raws) == 0 || len(raws) > vendors.MaxBatch {
		return nil, nil, nil, vendors.Invalid(name, fmt.Sprintf("must hold between 1 and %d items", vendors.MaxBatch))
	}
	results := make([]batchItemResult, len(raws))
	inputs := make([]I, 0, len(raws))
	index := make([]int, 0, len(raws))
	for i, raw := range raws {
		results[i].Index = i
		var req R
		err := decodeStrict(raw, &req)
		var in I
		if err == nil {
			in, err = convert(req)
		}
		if err != nil {
			results[i].Result = vendors.ResultError
			results[i].Errors = fieldErrorsOf(err)
			var probe struct {
				ExternalID string `json:"external_id"`
			}
			json.Unmarshal(raw, &probe)
			results[i].ExternalID = probe.ExternalID
			continue
		}
		inputs = append(inputs, in)
		index = append(index, i)
	}
	return inputs, index, results, nil
}

// answerBatch merges the push results into the decode results and responds.
func (s *Server) answerBatch(c *gin.Context, results []batchItemResult, index []int, pushed []vendors.PushResult, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	for j, r := range pushed {
		i := index[j]
		results[i].ExternalID, results[i].Result, results[i].Errors = r.ExternalID, r.Result, r.Errors
	}
	counts := map[string]int{vendors.ResultCreated: 0, vendors.ResultUpdated: 0, vendors.ResultUnchanged: 0, vendors.ResultError: 0}
	for _, r := range results {
		counts[r.Result]++
	}
	c.JSON(http.StatusOK, batchResponse{Results: results, Counts: counts})
}

func fieldErrorsOf(err error) []vendors.FieldError {
	if ve, ok := err.(*vendors.ValidationError); ok {
		return ve.Fields
	}
	return []vendors.FieldError{{Field: "body", Message: err.Error()}}
}
