# The edits `go generate` makes to gqlgen's output, generated.go, read whole (perl -0p):
# each is explained in edits.go, and TestGeneratedCodeKeepsTheEdits checks they are made.

# Lists are marshalled one element after the other.
s/graphql[.]MarshalSliceConcurrently\(/marshalSlice(/g;
# Objects start with an empty deferred group.
s/deferred := graphql[.]NewDeferredGroup\(ctx\)/var deferred graphql.DeferredGroup/g;
# Leaves without arguments take a short way.
s/return graphql[.]ResolveField\(/return resolveField(/g;
# An object's fields are collected once for all requests.
s/graphql[.]CollectFields\(ec[.]OperationContext, /collectFields(ec.OperationContext, /g;
# An object's field set comes from the request's answer.
s/out := graphql[.]NewFieldSet\(fields\)/out := newFieldSet(ctx, fields)/g;
# An object is written by objectWriter.
s/\n\treturn out\n\}\n/\n\treturn &objectWriter{fields, out}\n}\n/g;
# The answer is marshalled into the request's answer's buffer.
s/var buf bytes[.]Buffer\n(\t+)data[.]MarshalGQL\(&buf\)/var buf *bytes.Buffer = answerBuffer(ctx)\n$1data.MarshalGQL(buf)/g;
# The field context of a field with an object's value comes from the request's answer.
s/\(_ context[.]Context, field graphql[.]CollectedField\) \(fc \*graphql[.]FieldContext, err error\) \{\n\tfc = &graphql[.]FieldContext\{(.*?)\n\t\}\n\treturn fc, nil\n\}/(ctx context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {\n\tfc = fieldContextIn(ctx, graphql.FieldContext{$1\n\t})\n\treturn fc, nil\n}/gs;
